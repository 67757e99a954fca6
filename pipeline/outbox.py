"""The outbox: replies recorded once per (report or message, kind) and sent at most once."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import update
from sqlmodel import Session, select

from config.settings import Settings
from connectors import registry
from connectors.contract import (
    ConnectorError,
    OutboundReply,
    TemporarilyUnavailable,
)
from pipeline.db import insert_for
from pipeline.models import InboxMessage, OutboxReply, utcnow

log = structlog.get_logger(__name__)


def handle_hash(handle: str) -> str:
    """A stable, non-reversible token for a sender handle (safe for keys and logs)."""
    return hashlib.sha256(handle.encode()).hexdigest()[:16]


def enqueue_reply(
    session: Session,
    *,
    dedupe_key: str,
    kind: str,
    inbox: InboxMessage,
    text: str,
    report_id: int | None = None,
    not_before: Any = None,
) -> int | None:
    """Record a reply to the sender of `inbox` unless one with this key exists; its id if new.

    None, and nothing recorded, when the message has no sender to answer (a walk-in citizen who
    left no contact, an anonymous letter): such replies could only ever become dead letters.
    """
    if not inbox.sender_handle:
        return None
    payload = inbox.payload or {}
    values = {
        "dedupe_key": dedupe_key,
        "report_id": report_id,
        "inbox_message_id": inbox.id,
        "kind": kind,
        "channel": inbox.channel,
        "recipient": inbox.sender_handle,
        "reply_context": payload.get("reply_context") or {},
        "text": text,
        "state": "pending",
        "next_attempt_at": not_before or utcnow(),
        "created_at": utcnow(),
        "updated_at": utcnow(),
    }
    table = OutboxReply.__table__  # type: ignore[attr-defined]
    insert = insert_for(session.get_bind().dialect.name)
    stmt = insert(table).values(values).on_conflict_do_nothing(index_elements=["dedupe_key"])
    new_id = session.execute(stmt.returning(table.c.id)).scalar()
    return int(new_id) if new_id is not None else None


def claim(session: Session, outbox_id: int) -> OutboxReply | None:
    """pending -> sending, if due; None when another worker has it or it is not due."""
    now = utcnow()
    table = OutboxReply.__table__  # type: ignore[attr-defined]
    moved = session.execute(
        update(table)
        .where(table.c.id == outbox_id, table.c.state == "pending", table.c.next_attempt_at <= now)
        .values(state="sending", attempts=table.c.attempts + 1, updated_at=now)
    ).rowcount
    return session.get(OutboxReply, outbox_id, populate_existing=True) if moved else None


def to_reply(row: OutboxReply) -> OutboundReply:
    """The connector-level reply for an outbox row."""
    return OutboundReply(
        channel=row.channel,
        recipient=row.recipient,
        text=row.text,
        kind=row.kind,
        reply_context=row.reply_context,
        idempotency_key=row.dedupe_key,
    )


def backoff(attempts: int) -> timedelta:
    """Exponential backoff for reply retries: 5 s, 10 s, 20 s ... capped at 30 minutes."""
    return timedelta(seconds=min(1800, 5 * 2 ** max(0, attempts - 1)))


def deliver(row: OutboxReply, settings: Settings) -> dict[str, Any]:
    """Send one claimed reply; return the fields to store (state sent, pending or dead)."""
    sender = registry.reply_sender(row.channel, settings)
    if sender is None:
        return {"state": "dead", "last_error": f"channel {row.channel!r} has no reply sender"}
    try:
        result = sender.send(to_reply(row))
    except TemporarilyUnavailable as exc:
        return _retry_later(row, settings, str(exc), exc.retry_after)
    except ConnectorError as exc:  # AuthFailed, BadConfig, permanent refusals: ops decide
        return {"state": "dead", "last_error": f"{type(exc).__name__}: {exc}"[:1000]}
    except Exception as exc:  # noqa: BLE001 - unknown failures are retried, then dead-lettered
        log.exception("reply_send_error", outbox_id=row.id, channel=row.channel)
        return _retry_later(row, settings, f"{type(exc).__name__}: {exc}", None)
    return {
        "state": "sent",
        "sent_at": utcnow(),
        "provider_message_id": result.provider_message_id,
        "last_error": "",
    }


def _retry_later(
    row: OutboxReply, settings: Settings, error: str, retry_after: float | None
) -> dict[str, Any]:
    if row.attempts >= settings.pipeline.reply_max_attempts:
        return {"state": "dead", "last_error": f"gave up after {row.attempts} attempts: {error}"}
    wait = timedelta(seconds=retry_after) if retry_after else backoff(row.attempts)
    return {"state": "pending", "next_attempt_at": utcnow() + wait, "last_error": error[:1000]}


def finish(session: Session, outbox_id: int, values: dict[str, Any]) -> None:
    """sending -> the state deliver() chose."""
    table = OutboxReply.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table)
        .where(table.c.id == outbox_id, table.c.state == "sending")
        .values(updated_at=utcnow(), **values)
    )


def reconcile_stuck(session: Session, settings: Settings, older_than: timedelta) -> list[int]:
    """Replies left in `sending` by a killed worker: resend only when provably not sent."""
    cutoff = utcnow() - older_than
    stuck = session.exec(
        select(OutboxReply).where(OutboxReply.state == "sending", OutboxReply.updated_at < cutoff)
    ).all()
    retry: list[int] = []
    for row in stuck:
        sender = registry.reply_sender(row.channel, settings)
        was_sent = getattr(sender, "was_sent", None)
        if was_sent is None:
            # At most once: without a way to ask the provider, ops decide (dead letter).
            finish(
                session,
                row.id or 0,
                {"state": "dead", "last_error": "interrupted while sending; unknown"},
            )
        elif was_sent(to_reply(row)):
            finish(session, row.id or 0, {"state": "sent", "sent_at": utcnow()})
        else:
            finish(session, row.id or 0, {"state": "pending", "next_attempt_at": utcnow()})
            retry.append(row.id or 0)
    return retry
