"""`intake dead list/retry/drop`: what exhausted its retries, and putting it back or away."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

dead_app = typer.Typer(
    help="Dead letters: failed messages, refused CRM pushes, replies and photos that gave up.",
    no_args_is_help=True,
)
console = Console()
Kind = Annotated[str, typer.Argument(help="message, malformed, push, reply or media.")]
Ids = Annotated[list[int], typer.Argument(help="Row ids, as `intake dead list` shows them.")]
Actor = Annotated[str, typer.Option(help="Who does this (kept in the audit log).")]


def _default_actor() -> str:
    return f"cli:{getpass.getuser()}"


def _age(since: datetime) -> str:
    hours = (datetime.now(UTC) - since).total_seconds() / 3600
    return f"{hours:.1f} j" if hours < 48 else f"{hours / 24:.0f} hari"


def _media_age() -> timedelta:
    from config.settings import get_settings  # noqa: PLC0415

    return timedelta(seconds=get_settings().ops.media_stuck_after_s)


@dead_app.command("list")
def list_cmd(
    kind: Annotated[str, typer.Option(help="Only this kind.")] = "",
    limit: Annotated[int, typer.Option(min=1, max=5000)] = 100,
) -> None:
    """Dead letters, oldest first (no personal data shown)."""
    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline import deadletters  # noqa: PLC0415
    from pipeline.db import session_scope  # noqa: PLC0415

    bootstrap()
    try:
        with session_scope() as session:
            found = deadletters.list_dead(session, kind or None, limit, media_age=_media_age())
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--kind") from None
    table = Table("kind", "id", "channel", "report", "attempts", "age", "error")
    for item in found:
        report = item.reference or (str(item.report_id) if item.report_id else "-")
        table.add_row(
            item.kind, str(item.id), item.channel, report, str(item.attempts), _age(item.since),
            item.error[:120],
        )  # fmt: skip
    console.print(table)
    console.print(f"{len(found)} dead letter(s)")


def _run_steps(steps: list, settings: object) -> None:
    """Send the re-enqueue steps; without Redis, work them here before exiting."""
    if not steps:
        return
    from pipeline import enqueue  # noqa: PLC0415
    from pipeline.broker import get_broker, is_in_process, start_worker  # noqa: PLC0415

    broker = get_broker(settings)  # type: ignore[arg-type]
    if not is_in_process(broker):
        enqueue.run(steps)
        return
    # The in-process broker lives only as long as this command: work the retries now.
    worker = start_worker(broker, 2)
    try:
        enqueue.run(steps)
        broker.join("intake", timeout=300_000, fail_fast=False)  # type: ignore[call-arg]
    finally:
        worker.stop(timeout=10_000)


@dead_app.command("retry")
def retry_cmd(kind: Kind, ids: Ids, actor: Actor = "") -> None:
    """Put dead letters back in the pipeline (safe to repeat: a revived row is left alone)."""
    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline import deadletters  # noqa: PLC0415
    from pipeline.db import session_scope  # noqa: PLC0415

    settings = bootstrap()
    steps: list = []
    for row_id in ids:
        try:
            with session_scope() as session:
                more = deadletters.retry(session, kind, row_id, actor or _default_actor())
        except ValueError as exc:  # NotRetryable is a ValueError too
            console.print(f"[red]{exc}")
            raise typer.Exit(2) from None
        console.print(f"{kind} {row_id}: " + ("retrying" if more else "not dead (left alone)"))
        steps += more
    _run_steps(steps, settings)


@dead_app.command("drop")
def drop_cmd(
    kind: Kind,
    ids: Ids,
    note: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "",
    actor: Actor = "",
) -> None:
    """Take dead letters off the list for good; each drop is recorded in the audit log."""
    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline import deadletters  # noqa: PLC0415
    from pipeline.db import session_scope  # noqa: PLC0415

    settings = bootstrap()
    steps: list = []
    for row_id in ids:
        try:
            with session_scope() as session:
                dropped = deadletters.drop(session, kind, row_id, actor or _default_actor(), note)
        except ValueError as exc:
            console.print(f"[red]{exc}")
            raise typer.Exit(2) from None
        console.print(f"{kind} {row_id}: " + ("dropped" if dropped else "not dead (left alone)"))
        steps += dropped.steps  # a dropped push's notice to its citizen
    _run_steps(steps, settings)
