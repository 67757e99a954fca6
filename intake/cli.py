"""The `intake` command: run, web, worker, clock, poll, replay, export, db, and the rest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer

from intake.lazy import Lazy, lazy_group

# Each imported only when it runs (intake/lazy.py): the CRM core, the admin UI's models and the
# normalizer cost ~1 s of imports that `intake worker`, `replay` or `db upgrade` never use.
# The help line is what `intake --help` shows; tests check it against the command's own.
LAZY = {
    "normalize": Lazy(
        "intake.normalize_cmd:normalize",
        "Normalize complaint texts: Kemendagri area codes, category, OPD, emergency, missing.",
    ),
    "doctor": Lazy(
        "intake.doctor:doctor",
        "Check settings, database, migrations, broker, CRM core and every enabled channel.",
    ),
    "stats": Lazy(
        "intake.stats_cmd:stats",
        "Today's intake per channel and state, time to CRM ticket, review queue and SLA.",
    ),
    "crm": Lazy("intake.crm_cmd:crm_app", "Officer actions on the embedded CRM core."),
    "import": Lazy("intake.import_cmd:import_app", "Import reports exported from other systems."),
    "users": Lazy("intake.users_cmd:users_app", "Admin accounts (review UI, walk-in desks)."),
    "dead": Lazy(
        "intake.dead_cmd:dead_app",
        "Dead letters: failed messages, refused CRM pushes, replies and photos that gave up.",
    ),
    "retention": Lazy(
        "intake.retention_cmd:retention_app",
        "Retention of personal data (UU 27/2022): see docs/operations.md.",
    ),
}

app = typer.Typer(
    cls=lazy_group(LAZY),
    help="Jakarta CRM intake: multi-channel complaint intake pipeline.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")

SAMPLE = Path(__file__).parent / "samples" / "sample.jsonl"
Host = Annotated[str, typer.Option(help="Address to listen on.")]
Port = Annotated[int, typer.Option(help="Port to listen on.")]


@db_app.command("upgrade")
def db_upgrade(revision: str = "heads") -> None:
    """Apply database migrations (idempotent)."""
    from intake.runtime import bootstrap  # noqa: PLC0415

    bootstrap(auto_migrate=True)
    typer.echo("database is up to date")


@app.command()
def web(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Serve webhooks, the tracking page, health and metrics."""
    import uvicorn  # noqa: PLC0415

    from intake.runtime import bootstrap, stop_on_signals  # noqa: PLC0415
    from web.app import create_app  # noqa: PLC0415

    settings = bootstrap()
    if not settings.redis_url:
        typer.echo(
            "warning: REDIS_URL is not set, so nothing in this process works the queue; "
            "stored messages wait for `intake run` (its sweeper picks them up)",
            err=True,
        )
    # uvicorn drains requests on SIGTERM, then re-raises the signal to the handler it found:
    # ours records it, so a graceful stop exits 0 instead of dying by the signal.
    stop_on_signals(threading.Event())
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None)


@app.command()
def worker(
    processes: Annotated[int, typer.Option(help="Worker processes (Redis broker only).")] = 1,
    threads: Annotated[int, typer.Option(help="Threads per process.")] = 0,
) -> None:
    """Process the queue (needs REDIS_URL; the embedded mode runs its worker inside `run`)."""
    from intake.runtime import (  # noqa: PLC0415
        bootstrap,
        check_dedupe_keys,
        run_worker,
        stop_on_signals,
    )

    settings = bootstrap()
    if not settings.redis_url:
        raise typer.BadParameter("REDIS_URL is not set: without Redis use `intake run`")
    if not os.environ.get(PARENT_ENV):  # once, not in every child of --processes N
        check_dedupe_keys(settings)
    if processes > 1:
        _supervise(
            [sys.executable, "-m", "intake", "worker", "--threads", str(threads)],
            processes,
            settings,
        )
        return
    from pipeline.metrics import serve_worker_metrics  # noqa: PLC0415

    stop = threading.Event()
    stop_on_signals(stop)
    _stop_with_parent(stop)
    serve_worker_metrics(settings)
    run_worker(settings, stop, threads or None)


PARENT_ENV = "INTAKE_WORKER_PARENT"


def _stop_with_parent(stop: threading.Event) -> None:
    """A child of `worker --processes N` stops (gracefully) when its supervisor is gone."""
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return

    def watch() -> None:
        # Killed outright (SIGKILL, OOM), the supervisor forwards nothing: an orphan would go
        # on consuming the queue unsupervised and unrestarted. Re-parenting shows it.
        while not stop.wait(1.0):
            if os.getppid() != int(parent):
                typer.echo("worker supervisor is gone: stopping", err=True)
                stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _supervise(cmd: list[str], count: int, settings: object) -> None:
    """Run `count` copies of cmd and serve their summed metrics; SIGTERM stops all of them.

    A child that dies on its own stops its siblings too and its exit code becomes ours, so the
    runner above (systemd, honcho) restarts the whole set instead of running short-handed.
    """
    import signal  # noqa: PLC0415
    import time  # noqa: PLC0415

    from pipeline.metrics import MultiprocessMetrics  # noqa: PLC0415

    metrics = MultiprocessMetrics()
    env = {**metrics.child_env(), PARENT_ENV: str(os.getpid())}
    children = [subprocess.Popen(cmd, env=env) for _ in range(count)]  # noqa: S603
    asked: list[int] = []

    def forward(signum: int, _frame: object) -> None:
        asked.append(signum)
        for child in children:
            if child.poll() is None:
                child.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    metrics.serve(settings)
    first_death: int | None = None
    while any(child.poll() is None for child in children):
        dead = [child.returncode for child in children if child.returncode is not None]
        if dead and not asked:
            first_death = _shell_code(dead[0]) or 1
            typer.echo(f"a worker process exited ({first_death}): stopping the others", err=True)
            forward(signal.SIGTERM, None)
        time.sleep(0.2)
    metrics.close()
    # A child still starting up when asked to stop dies of the forwarded signal itself before
    # it installs a handler: it held no work, so that is a clean stop too.
    codes = [
        0 if asked and child.returncode == -asked[0] else _shell_code(child.returncode)
        for child in children
    ]
    raise typer.Exit(first_death if first_death is not None else max(codes, default=0))


def _shell_code(returncode: int) -> int:
    """A child killed by signal n has returncode -n: report it as a shell would (128 + n)."""
    return 128 - returncode if returncode < 0 else returncode


@app.command()
def clock() -> None:
    """Periodic jobs: sweeper (stuck rows, retries, expired questions) and CRM status sync."""
    from intake.runtime import bootstrap, start_clock, stop_on_signals  # noqa: PLC0415

    settings = bootstrap()
    stop = threading.Event()
    stop_on_signals(stop)
    for thread in start_clock(settings, stop):
        thread.join()


@app.command()
def poll(
    channel: Annotated[str, typer.Argument(help="Channel slug, e.g. email or twitter.")],
) -> None:
    """Run one pulled channel as a long-lived process."""
    from connectors import poll_loop, registry  # noqa: PLC0415
    from intake.runtime import bootstrap, stop_on_signals  # noqa: PLC0415

    settings = bootstrap()
    poller = registry.poller(channel, settings)
    if poller is None:
        raise typer.BadParameter(f"channel {channel!r} is not a configured pulled channel")
    stop = threading.Event()
    stop_on_signals(stop)
    interval = getattr(getattr(settings, channel, None), "poll_interval_s", 60.0)
    poll_loop.run(channel, poller, interval_s=interval, stop=stop)


@app.command()
def run(
    host: Host = "127.0.0.1",
    port: Port = 8000,
    sample: Annotated[
        bool, typer.Option(help="Replay the bundled sample complaints at start.")
    ] = False,
) -> None:
    """Everything in one process: web, worker, clock and configured pollers (embedded default)."""
    import uvicorn  # noqa: PLC0415

    from intake.runtime import (  # noqa: PLC0415
        bootstrap,
        check_dedupe_keys,
        start_clock,
        start_inprocess_worker,
        stop_on_signals,
    )
    from pipeline.broker import get_broker, is_in_process  # noqa: PLC0415
    from web.app import create_app  # noqa: PLC0415

    settings = bootstrap()
    check_dedupe_keys(settings)
    stop = threading.Event()
    worker_ = start_inprocess_worker(settings) if is_in_process(get_broker(settings)) else None
    loops = start_clock(settings, stop) + _start_pollers(settings, stop)
    if sample:
        threading.Thread(target=_replay_sample, args=(settings,), daemon=True).start()
    typer.echo(f"intake running: http://{host}:{port}/lacak  (Ctrl+C to stop)", err=True)
    stop_on_signals(stop)  # see `web`: uvicorn hands SIGTERM back to this handler when done
    try:
        uvicorn.run(create_app(settings), host=host, port=port, log_config=None)
    finally:
        stop.set()
        for loop in loops:  # pollers finish the batch in hand and save its checkpoint
            loop.join(timeout=30)
        if worker_ is not None:
            worker_.stop(timeout=10_000)


def _start_pollers(settings: object, stop: threading.Event) -> list[threading.Thread]:
    from connectors import registry  # noqa: PLC0415

    threads = []
    for channel in registry.pollable(settings):  # type: ignore[arg-type]
        from connectors import poll_loop  # noqa: PLC0415

        poller = registry.poller(channel, settings)  # type: ignore[arg-type]
        interval = getattr(getattr(settings, channel, None), "poll_interval_s", 60.0)
        thread = threading.Thread(
            target=poll_loop.run,
            args=(channel, poller),
            kwargs={"interval_s": interval, "stop": stop},
            name=f"poll-{channel}",
            daemon=True,
        )
        thread.start()
        threads.append(thread)
    return threads


def _poll_thread(run_loop: object, channel: str, poller: object, **kwargs: object) -> None:
    """A poller inside `intake run`: a stop for bad credentials/config is shown, not swallowed."""
    try:
        run_loop(channel, poller, **kwargs)  # type: ignore[operator]
    except SystemExit as exc:
        typer.echo(f"poller {channel} stopped: {exc}", err=True)


def _replay_sample(settings: object) -> None:
    from intake import replay  # noqa: PLC0415

    summary = replay.run(SAMPLE, settings)  # type: ignore[arg-type]
    typer.echo(f"sample replayed: {json.dumps(summary)}", err=True)


@app.command("replay")
def replay_cmd(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True, dir_okay=False, readable=True, help="JSONL: one message per line."
        ),
    ],
    timeout: Annotated[float, typer.Option(help="Give up waiting after this many seconds.")] = 3600,
    spawn_workers: Annotated[
        int, typer.Option(help="With REDIS_URL: start this many worker processes for the replay.")
    ] = 0,
) -> None:
    """Feed a JSONL file through the whole pipeline; print one outcome line per input."""
    from intake import replay  # noqa: PLC0415
    from intake.runtime import bootstrap, start_inprocess_worker  # noqa: PLC0415
    from pipeline.broker import get_broker, is_in_process  # noqa: PLC0415

    settings = bootstrap()
    worker_ = start_inprocess_worker(settings) if is_in_process(get_broker(settings)) else None
    children = [
        subprocess.Popen([sys.executable, "-m", "intake", "worker"])  # noqa: S603
        for _ in range(spawn_workers if settings.redis_url else 0)
    ]
    try:
        summary = replay.run(file, settings, timeout_s=timeout)
    finally:
        for child in children:
            child.terminate()
        for child in children:
            child.wait(timeout=60)
        if worker_ is not None:
            worker_.stop(timeout=30_000)
    typer.echo("summary: " + ", ".join(f"{k}={v}" for k, v in sorted(summary.items())), err=True)


@app.command()
def export(
    state: Annotated[list[str] | None, typer.Option(help="Only reports in this state.")] = None,
    include_contact: Annotated[
        bool, typer.Option(help="Include contact details (personal data: handle with care).")
    ] = False,
) -> None:
    """Write reports as JSON lines to stdout (no personal data unless asked)."""
    from intake.export import export_reports  # noqa: PLC0415
    from intake.runtime import bootstrap  # noqa: PLC0415

    bootstrap()
    export_reports(sys.stdout, states=state or [], include_contact=include_contact)


@db_app.command("rekey")
def db_rekey(
    all_reports: Annotated[
        bool, typer.Option("--all", help="Every report, not only the open ones.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Also reports whose keys are current.")
    ] = False,
) -> None:
    """Recompute the duplicate-search keys of stored reports whose keys are stale (after
    upgrading, or after editing pipeline/data/complaint_words.txt)."""
    from rich.progress import Progress  # noqa: PLC0415

    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline.rekey import rekey  # noqa: PLC0415

    bootstrap()
    with Progress(transient=True) as bar:
        task = bar.add_task("rekey", total=None)
        done = rekey(
            open_only=not all_reports,
            progress=lambda n: bar.advance(task, n),
            stale_only=not force,
        )
    typer.echo(f"{done} reports rekeyed")
