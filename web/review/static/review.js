// Admin review UI behaviour (no inline scripts: the CSP allows only this file and htmx).
(function () {
  "use strict";
  var hour = document.documentElement.lang === "en" ? "h " : "j ";

  // Live SLA countdowns: <time data-deadline="ISO"> counts down between htmx refreshes.
  function label(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), h = Math.floor(m / 60);
    return (ms < 0 ? "-" : "") + h + hour + (m % 60) + "m";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-deadline]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("data-deadline")) - now;
      el.textContent = label(ms);
      el.className = ms < 0 ? "sla-late" : ms < 3600000 ? "sla-soon" : "sla-ok";
    });
  }
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSettle", tick);
  setInterval(tick, 30000);

  // A claim button replaces its whole row: keep keyboard focus in that row, not lost at <body>.
  var swappedId = null;
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var config = evt.detail.requestConfig, source = config && config.elt;
    var row = source && source.closest ? source.closest("tr[id]") : null;
    swappedId = row && row === evt.detail.target ? row.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!swappedId) return;
    var row = document.getElementById(swappedId);
    var next = row && (row.querySelector("button") || row.querySelector("a"));
    if (next) next.focus();
    swappedId = null;
  });
})();
