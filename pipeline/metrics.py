"""Prometheus metrics: actor runs timed by a dramatiq middleware, pipeline state read at scrape.

Multiprocess choice: `intake worker --processes N` gives its children a fresh
PROMETHEUS_MULTIPROC_DIR and serves their summed counters and histograms from the parent on
INTAKE_OPS__WORKER_METRICS_PORT (the layout of dramatiq's own Prometheus middleware, which
serves a multiprocess directory on port 9191; prometheus_client docs, "Multiprocess Mode").
A single-process worker serves its own registry on that port. The web process serves /metrics:
its own series plus the database-derived gauges (pipeline.metrics_db), which every process
would report alike, so only web registers them. `intake run` has everything on /metrics.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import dramatiq
import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector

log = structlog.get_logger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: Seconds: a triage is milliseconds, a CRM push over a slow network can take tens of seconds.
STAGE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
WAIT_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600)

STAGE_SECONDS = Histogram(
    "intake_stage_seconds",
    "Time one actor run took (pipeline stage latency)",
    ["actor"],
    buckets=STAGE_BUCKETS,
)
QUEUE_WAIT_SECONDS = Histogram(
    "intake_queue_wait_seconds",
    "Time a message waited in the queue before a worker took it (from its due time)",
    ["actor"],
    buckets=WAIT_BUCKETS,
)
ACTOR_RUNS = Counter(
    "intake_actor_runs",
    "Actor runs by outcome: success, retry (raised, will run again), failed (retries exhausted)",
    ["actor", "outcome"],
)


#: Every gauge: name -> (help, labels). Alert rules in docs/alerts.yml use these names.
GAUGES: dict[str, tuple[str, list[str]]] = {
    "intake_inbox_messages": ("Inbox rows by channel and state", ["channel", "state"]),
    "intake_backlog_oldest_age_seconds": ("Age of the oldest row waiting for a stage", ["stage"]),
    "intake_reports": ("Reports by state", ["state"]),
    "intake_reports_waiting": ("Waiting reports by state and reason", ["state", "reason"]),
    "intake_review_queue_size": ("Reports waiting for an admin", []),
    "intake_review_queue_over_sla": ("Reviews waiting longer than 6 hours", []),
    "intake_poller_lag_seconds": (
        "How far behind its provider a poller is (last batch)",
        ["channel"],
    ),
    "intake_poller_heartbeat_age_seconds": ("Seconds since a poller's last heartbeat", ["channel"]),
    "intake_poller_items": ("Items a poller has stored", ["channel"]),
    "intake_poller_stale_after_seconds": (
        "Heartbeat age at which /readyz calls an enabled poller stale",
        ["channel"],
    ),
    "intake_dead_letters": ("Dead letters waiting for ops", ["kind"]),
    "intake_queue_messages": ("Messages waiting in the queue", ["queue"]),
    "intake_queue_dead_messages": ("Messages the broker dead-lettered", ["queue"]),
    "intake_queue_oldest_message_age_seconds": ("Age of the next message in line", ["queue"]),
    "intake_metrics_collect_seconds": ("Time the last count took", []),
    "intake_review_queue_oldest_age_seconds": ("How long the oldest review has waited", []),
    "intake_queue_delayed_messages": ("Messages waiting for a retry time", ["queue"]),
    "intake_crm_pushes": ("CRM push rows by state (pending, done, dead, dropped)", ["state"]),
    "intake_replies": (
        "Outbox replies by state (pending, sending, sent, dead, dropped)",
        ["state"],
    ),
}


def outcome(exception: BaseException | None, failed: bool) -> str:
    """success, retry or failed for one finished actor run."""
    if exception is None:
        return "success"
    return "failed" if failed else "retry"


class StageMetrics(dramatiq.Middleware):
    """Times every actor run; must come FIRST in the broker's middleware list.

    dramatiq calls after_* hooks in reverse order, so being first means running after
    Retries, which has by then marked a message failed when its retries are exhausted.
    """

    def __init__(self) -> None:
        self._started: dict[str, float] = {}

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        """Note the start and how long the message waited since it was due."""
        self._started[message.message_id] = time.perf_counter()
        due_ms = message.options.get("eta") or message.message_timestamp
        waited = max(0.0, time.time() - due_ms / 1000)
        QUEUE_WAIT_SECONDS.labels(message.actor_name).observe(waited)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        """Observe the run time and count the outcome."""
        started = self._started.pop(message.message_id, None)
        if started is not None:
            STAGE_SECONDS.labels(message.actor_name).observe(time.perf_counter() - started)
        failed = bool(getattr(message, "failed", False))
        ACTOR_RUNS.labels(message.actor_name, outcome(exception, failed)).inc()

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        """A skipped message (age limit) is counted as such."""
        self._started.pop(message.message_id, None)
        ACTOR_RUNS.labels(message.actor_name, "skipped").inc()


def serve(registry: CollectorRegistry, host: str, port: int) -> int | None:
    """Serve a registry over HTTP in a daemon thread; the bound port (port 0 picks one).

    None when the port is taken: a second `intake worker` on the same host (a Procfile scaled
    to two workers) must still work the queue; it only goes without its own metrics, and says so.
    """
    try:
        server, _thread = start_http_server(port, addr=host, registry=registry)
    except OSError as exc:
        log.warning(
            "metrics_port_unavailable",
            host=host,
            port=port,
            error=str(exc)[:200],
            hint="give each worker its own INTAKE_OPS__WORKER_METRICS_PORT, or use --processes N",
        )
        return None
    bound = int(server.server_port)
    log.info("metrics_server_started", host=host, port=bound)
    return bound


def serve_worker_metrics(settings: Any) -> int | None:
    """A single-process worker: its own registry on the configured port (None when off)."""
    from prometheus_client import REGISTRY  # noqa: PLC0415

    port = settings.ops.worker_metrics_port
    if port < 0:
        return None
    if os.environ.get(MULTIPROC_ENV):
        return None  # a child of `--processes N`: the parent serves the sum
    return serve(REGISTRY, settings.ops.worker_metrics_host, port)


class MultiprocessMetrics:
    """The parent of N worker processes: one fresh directory, their sum served on one port."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="intake-metrics-"))
        self._lock = threading.Lock()

    def child_env(self) -> dict[str, str]:
        """Environment for a child process: prometheus_client reads it at import time."""
        return {**os.environ, MULTIPROC_ENV: str(self.directory)}

    def registry(self) -> CollectorRegistry:
        """A registry that sums every child's files at scrape time."""
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(self.directory))
        return registry

    def serve(self, settings: Any) -> int | None:
        """Serve the children's sum on the configured port (None when off)."""
        port = settings.ops.worker_metrics_port
        if port < 0:
            return None
        return serve(self.registry(), settings.ops.worker_metrics_host, port)

    def close(self) -> None:
        """Remove the directory (its numbers die with the children, as counters should)."""
        with self._lock:
            shutil.rmtree(self.directory, ignore_errors=True)
