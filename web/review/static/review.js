// Live SLA countdowns: <time data-deadline="ISO"> counts down between htmx refreshes.
(function () {
  "use strict";
  function label(ms) {
    var late = ms < 0, m = Math.floor(Math.abs(ms) / 60000), h = Math.floor(m / 60);
    var text = h + "j " + (m % 60) + "m";
    return late ? "-" + text : text;
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
  document.addEventListener("htmx:afterSwap", tick);
  setInterval(tick, 30000);
})();
