"""The one sink every connector calls: store the raw message (idempotent), enqueue, acknowledge."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import structlog
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from connectors.contract import InboundMessage
from pipeline.db import get_engine
from pipeline.models import InboxMessage, PollerCheckpoint, utcnow

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Ack:
    """What the sink tells a connector: the inbox row, and whether this call created it."""

    inbox_id: int
    created: bool
    correlation_id: str = ""  # set when this call created the row


def _insert_stmt(dialect: str, values: dict[str, Any]) -> Any:
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    if dialect == "postgresql":
        stmt = postgresql.insert(table).values(values)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(values)
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        return insert(table).values(values).returning(table.c.id)
    return stmt.on_conflict_do_nothing(index_elements=["channel", "external_id"]).returning(
        table.c.id
    )


def _row(msg: InboundMessage, state: str, error: str = "") -> dict[str, Any]:
    now = utcnow()
    return {
        "channel": msg.channel,
        "external_id": msg.external_id,
        "received_at": msg.received_at,
        "stored_at": now,
        "updated_at": now,
        "state": state,
        "error": error,
        "sender_handle": msg.sender.handle[:255],
        "conversation_id": msg.conversation_id[:255],
        "correlation_id": uuid.uuid4().hex,
        "attempts": 0,
        "payload": json.loads(msg.model_dump_json()),
    }


def store(
    conn: Connection, msg: InboundMessage, *, state: str = "received", error: str = ""
) -> Ack:
    """Insert one inbox row unless (channel, external_id) exists; one statement, no ORM."""
    row = _row(msg, state, error)
    inserted = conn.execute(_insert_stmt(conn.dialect.name, row)).scalar()
    if inserted is not None:
        return Ack(inbox_id=int(inserted), created=True, correlation_id=row["correlation_id"])
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    existing = conn.execute(
        select(table.c.id).where(
            table.c.channel == msg.channel, table.c.external_id == msg.external_id
        )
    ).scalar_one()
    return Ack(inbox_id=int(existing), created=False)


def _enqueue(acks: Iterable[Ack], hold_reasons: Iterable[str]) -> None:
    """After commit: new messages to the pipeline, new held ones to the sender notice."""
    from pipeline.actors import notify_held, process_message  # noqa: PLC0415  (broker configured)

    for ack, why in zip(acks, hold_reasons, strict=True):
        if not ack.created:
            continue
        if why:
            notify_held.send(ack.inbox_id)
        else:
            # The id travels with the message, so the worker need not look it up.
            process_message.send_with_options(
                args=(ack.inbox_id,), correlation_id=ack.correlation_id
            )


def accept(msg: InboundMessage, *, hold_reason: str = "") -> Ack:
    """Store a message (a redelivery is recognised, not stored twice), then enqueue it."""
    state, error = ("held", hold_reason) if hold_reason else ("received", "")
    with get_engine().begin() as conn:
        ack = store(conn, msg, state=state, error=error)
    log.info("inbox_stored", channel=msg.channel, inbox_id=ack.inbox_id, created=ack.created)
    _enqueue([ack], [hold_reason])
    return ack


def accept_batch(
    channel: str,
    msgs: list[InboundMessage],
    cursor: dict[str, Any],
    hold: Callable[[InboundMessage], str] | None = None,
) -> list[Ack]:
    """Store a poller's batch and its checkpoint in one transaction, then enqueue.

    `hold` (a chat poller's per-sender rate limit) names why a message must wait, or "";
    held messages are stored like the rest, and released later by the sweeper.
    """
    reasons = [hold(msg) if hold else "" for msg in msgs]
    with get_engine().begin() as conn:
        acks = [
            store(conn, msg, state="held" if why else "received", error=why)
            for msg, why in zip(msgs, reasons, strict=True)
        ]
        _save_checkpoint(conn, channel, cursor, added=sum(a.created for a in acks))
    log.info(
        "inbox_batch_stored",
        channel=channel,
        received=len(msgs),
        created=sum(a.created for a in acks),
        held=sum(bool(why) for why in reasons),
    )
    _enqueue(acks, reasons)
    return acks


def store_malformed(
    channel: str, external_id: str, raw: str | bytes | dict[str, Any], error: str
) -> Ack:
    """Keep a payload that could not be parsed, flagged for ops; nothing is dropped."""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    msg = InboundMessage(
        channel=channel, external_id=external_id or f"malformed-{uuid.uuid4().hex}", raw=raw
    )
    with get_engine().begin() as conn:
        ack = store(conn, msg, state="malformed", error=error[:1000])
    log.warning("inbox_malformed", channel=channel, inbox_id=ack.inbox_id, error=error[:200])
    return ack


def _save_checkpoint(conn: Connection, channel: str, cursor: dict[str, Any], added: int) -> None:
    table = PollerCheckpoint.__table__  # type: ignore[attr-defined]
    now = utcnow()
    updated = conn.execute(
        update(table)
        .where(table.c.channel == channel)
        .values(cursor=cursor, updated_at=now, items_total=table.c.items_total + added)
    ).rowcount
    if not updated:
        conn.execute(
            insert(table).values(channel=channel, cursor=cursor, updated_at=now, items_total=added)
        )


def load_checkpoint(channel: str) -> dict[str, Any] | None:
    """The cursor a poller saved last, or None on first start."""
    table = PollerCheckpoint.__table__  # type: ignore[attr-defined]
    with get_engine().connect() as conn:
        cursor = conn.execute(select(table.c.cursor).where(table.c.channel == channel)).scalar()
    return dict(cursor) if cursor is not None else None


def heartbeat(channel: str, *, lag_seconds: float | None = None, note: str = "") -> None:
    """Record that a connector is alive and how far behind its provider it is."""
    table = PollerCheckpoint.__table__  # type: ignore[attr-defined]
    now = utcnow()
    with get_engine().begin() as conn:
        values = {"heartbeat_at": now, "lag_seconds": lag_seconds, "note": note[:500]}
        if not conn.execute(
            update(table).where(table.c.channel == channel).values(values)
        ).rowcount:
            conn.execute(insert(table).values(channel=channel, cursor={}, updated_at=now, **values))
