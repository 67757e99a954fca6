"""One correlation id per inbox message, bound into every log line of every actor run it causes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
import structlog
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import SQLAlchemyError

from pipeline.db import get_engine
from pipeline.models import Attachment, InboxMessage, OutboxReply, Report

log = structlog.get_logger(__name__)

#: The message option that carries the id from one actor to the messages it sends.
OPTION = "correlation_id"
_inbox = InboxMessage.__table__  # type: ignore[attr-defined]
_report = Report.__table__  # type: ignore[attr-defined]
_outbox = OutboxReply.__table__  # type: ignore[attr-defined]
_attachment = Attachment.__table__  # type: ignore[attr-defined]


def _via_report(report_id: Any) -> Any:
    return (
        select(_inbox.c.correlation_id)
        .join(_report, _report.c.inbox_message_id == _inbox.c.id)
        .where(_report.c.id == report_id)
    )


def _via_outbox(outbox_id: Any) -> Any:
    # A reply points at the message it answers, or only at its report (status notices).
    source = func.coalesce(_outbox.c.inbox_message_id, _report.c.inbox_message_id)
    return (
        select(_inbox.c.correlation_id)
        .select_from(
            _outbox.outerjoin(_report, _report.c.id == _outbox.c.report_id).join(
                _inbox, _inbox.c.id == source
            )
        )
        .where(_outbox.c.id == outbox_id)
    )


#: actor name -> the query that finds the correlation id from the actor's first argument.
LOOKUPS: dict[str, Callable[[Any], Any]] = {
    "process_message": lambda i: select(_inbox.c.correlation_id).where(_inbox.c.id == i),
    "notify_held": lambda i: select(_inbox.c.correlation_id).where(_inbox.c.id == i),
    "triage_report": _via_report,
    "push_report": _via_report,
    "send_reply": _via_outbox,
    "fetch_media": lambda i: (
        select(_inbox.c.correlation_id)
        .join(_attachment, _attachment.c.inbox_message_id == _inbox.c.id)
        .where(_attachment.c.id == i)
    ),
}


def lookup(conn: Connection, actor_name: str, first_arg: Any) -> str | None:
    """The correlation id of the inbox message behind an actor's first argument, if any."""
    query = LOOKUPS.get(actor_name)
    if query is None or not isinstance(first_arg, int):
        return None
    return conn.execute(query(first_arg)).scalar()


class CorrelationId(dramatiq.Middleware):
    """Binds `correlation_id` for an actor run and passes it on to the messages the run sends."""

    def before_enqueue(
        self, broker: dramatiq.Broker, message: dramatiq.Message, delay: int
    ) -> None:
        """Stamp the id of the run in progress (if any) on the outgoing message."""
        current = structlog.contextvars.get_contextvars().get(OPTION)
        if current and OPTION not in message.options:
            message.options[OPTION] = current

    def before_process_message(self, broker: dramatiq.Broker, message: Any) -> None:
        """Bind the id from the message, or look it up by the actor's first argument."""
        structlog.contextvars.clear_contextvars()
        cid = message.options.get(OPTION)
        if not cid and message.args:
            try:
                with get_engine().connect() as conn:
                    cid = lookup(conn, message.actor_name, message.args[0])
            except SQLAlchemyError as exc:  # logs without an id beat a run that never starts
                log.warning("correlation_lookup_failed", error=type(exc).__name__)
        if cid:
            structlog.contextvars.bind_contextvars(correlation_id=cid)

    def after_process_message(
        self,
        broker: dramatiq.Broker,
        message: Any,
        *,
        result: Any = None,
        exception: BaseException | None = None,
    ) -> None:
        """Forget the id: the worker thread's next message is another story."""
        structlog.contextvars.clear_contextvars()

    def after_skip_message(self, broker: dramatiq.Broker, message: Any) -> None:
        """Forget the id of a skipped message too."""
        structlog.contextvars.clear_contextvars()
