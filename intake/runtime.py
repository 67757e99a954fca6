"""Process start-up and the long-lived loops: worker, clock, pollers, and `run` (all in one)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable

import dramatiq
import structlog

from config.logging import configure_logging
from config.settings import Settings, get_settings
from pipeline import migrate
from pipeline.broker import get_broker, is_in_process, start_worker
from pipeline.db import get_engine

log = structlog.get_logger(__name__)


def bootstrap(*, auto_migrate: bool | None = None) -> Settings:
    """Read settings (stopping on a mistake), set up logs, database and broker."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    embedded = not settings.database_url
    if auto_migrate or (auto_migrate is None and embedded):
        migrate.upgrade()
    elif migrate.pending():
        raise SystemExit("database is not up to date: run `intake db upgrade` first")
    get_broker(settings)
    get_engine()
    return settings


def check_dedupe_keys(settings: Settings) -> int:
    """Open reports whose dedupe keys are stale (pipeline/keys_version.py): the embedded mode
    recomputes them at once (a small database; nobody runs `intake db rekey` for it), a deployed
    worker warns, since a large rekey is an operator's call. Returns the stale count found."""
    from pipeline.rekey import rekey, stale_open_count  # noqa: PLC0415

    stale = stale_open_count()
    if stale and not settings.database_url:
        log.info("dedupe_keys_rekeyed", reports=rekey())
    elif stale:
        log.warning("dedupe_keys_stale", open_reports=stale, fix="intake db rekey")
    return stale


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM and SIGINT ask the loops to finish what they hold and return."""

    def handler(signum: int, _frame: object) -> None:
        log.info("shutdown_requested", signal=signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def every(interval_s: float, stop: threading.Event, task: Callable[[], object], name: str) -> None:
    """Run task every interval until stop is set; an error is logged, the loop goes on."""
    while not stop.is_set():
        try:
            task()
        except Exception:  # noqa: BLE001 - a clock must survive a bad pass
            log.exception("periodic_task_failed", task=name)
        stop.wait(interval_s)


def clock_tasks(settings: Settings) -> list[tuple[str, float, Callable[[], object]]]:
    """The periodic jobs of the clock process: sweeper and CRM status sync."""
    from pipeline import sweeper, sync  # noqa: PLC0415

    return [
        ("sweep", settings.pipeline.sweep_interval_s, lambda: sweeper.sweep(settings)),
        ("status_sync", settings.crm.status_poll_interval_s, lambda: sync.sync_status(settings)),
    ]


def start_clock(settings: Settings, stop: threading.Event) -> list[threading.Thread]:
    """Start the clock's jobs as daemon threads."""
    threads = []
    for name, interval, task in clock_tasks(settings):
        thread = threading.Thread(
            target=every, args=(interval, stop, task, name), name=f"clock-{name}", daemon=True
        )
        thread.start()
        threads.append(thread)
    return threads


def run_worker(settings: Settings, stop: threading.Event, threads: int | None = None) -> None:
    """Consume the queue until stop is set; then let running actors finish."""
    broker = get_broker(settings)
    worker = start_worker(broker, threads or settings.pipeline.worker_threads)
    log.info("worker_started", in_process=is_in_process(broker))
    stop.wait()
    worker.stop(timeout=30_000)
    log.info("worker_stopped")


def start_inprocess_worker(settings: Settings) -> dramatiq.Worker:
    """The embedded mode's worker threads inside this process."""
    return start_worker(get_broker(settings), settings.pipeline.worker_threads)
