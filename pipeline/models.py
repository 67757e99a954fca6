"""The tables: the database is the record; queues only point at rows."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

_F = TypeVar("_F", bound=Callable[[], Any])


def _factory(fn: _F) -> _F:
    """A default factory whose signature pydantic reads in microseconds.

    SQLModel builds a table row through FieldInfo.get_default, and pydantic 2.14 asks
    inspect.signature of every default factory on every instantiation to learn whether it takes
    the validated data (pydantic issue #13376, fixed only for PrivateAttr in #13390). For a
    builtin such as `list` that parses its text signature: ~330 us a call, several per Report.
    A declared empty __signature__ answers at once (~5 us).
    """
    fn.__signature__ = inspect.Signature()  # type: ignore[attr-defined]
    return fn


@_factory
def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(UTC)


@_factory
def _empty_list() -> list[Any]:
    return []


@_factory
def _empty_dict() -> dict[str, Any]:
    return {}


class AwareDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo:
            return value
        return value.replace(tzinfo=UTC)


def _json(**kwargs: Any) -> Any:
    factory = kwargs.pop("factory", _empty_dict)
    return Field(default_factory=factory, sa_column=Column(JSON, **kwargs))


class InboxMessage(SQLModel, table=True):
    """One raw message as a connector received it, unique on (channel, external_id)."""

    __tablename__ = "inbox_message"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbox_channel_external"),
        Index("ix_inbox_state_updated", "state", "updated_at"),  # the sweeper, oldest first
    )

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32, index=True)
    external_id: str = Field(max_length=255)
    received_at: datetime = Field(sa_type=AwareDateTime)
    stored_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow, index=True)
    # received -> processed | held | malformed | ignored | failed
    state: str = Field(default="received", max_length=16, index=True)
    error: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    sender_handle: str = Field(default="", max_length=255)
    conversation_id: str = Field(default="", max_length=255)
    correlation_id: str = Field(max_length=32)
    attempts: int = 0
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    payload: dict[str, Any] = _json(nullable=False)


class CitizenContact(SQLModel, table=True):
    """How to reach a citizen on one channel (personal data: never logged, retention applies)."""

    __tablename__ = "citizen_contact"
    __table_args__ = (UniqueConstraint("channel", "handle", name="uq_contact_channel_handle"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=32)
    handle: str = Field(max_length=255)
    name: str = Field(default="", max_length=255)
    phone_e164: str = Field(default="", max_length=32, index=True)
    email: str = Field(default="", max_length=255)
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    last_seen_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)


#: What the kelurahan blocks filter on and pipeline/blocking.COLUMNS reads, after each kelurahan
#: index's range columns: every block row comes from the index alone (migration 0010; in a
#: 1M-report SQLite file the 30-row kelurahan + category block went 0.24 -> 0.11 ms).
BLOCK_READS = (
    "state",
    "crm_status",
    "id",
    "lat",
    "lon",
    "kecamatan_code",
    "problem",
    "street_key",
    "place_key",
    "reference",
    "tracking_number",
)
KELURAHAN_READS = ("category", *BLOCK_READS)


class Report(SQLModel, table=True):
    """A complaint as the intake understands it, from first message to CRM ticket."""

    __tablename__ = "report"
    __table_args__ = (
        Index("ix_report_state_changed", "state", "state_changed_at"),
        # Covering (migration 0010): the kelurahan blocks are index-only reads.
        Index("ix_report_block", "kelurahan_code", "category", "created_at", *BLOCK_READS),
        Index("ix_report_kelurahan_recent", "kelurahan_code", "created_at", *KELURAHAN_READS),
        Index("ix_report_contact", "contact_id", "created_at"),
        Index("ix_report_conversation", "channel", "conversation_id", "created_at"),
        Index("ix_report_place", "kecamatan_code", "place_key", "created_at"),
        Index("ix_report_place_any", "place_key", "created_at"),
        Index("ix_report_geo", "geo_cell", "category", "created_at", "lat", "lon"),
        Index("ix_report_sla", "state", "crm_status", "state_changed_at"),
        Index("ix_report_state_updated", "state", "updated_at"),  # the sweeper, oldest first
    )

    id: int | None = Field(default=None, primary_key=True)
    reference: str = Field(max_length=32, unique=True)
    inbox_message_id: int = Field(unique=True)
    channel: str = Field(max_length=32, index=True)
    conversation_id: str = Field(default="", max_length=255)
    state: str = Field(default="new", max_length=16)
    reasons: list[str] = _json(factory=_empty_list, nullable=False)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    original_text: str = Field(
        default="", sa_column=Column(Text, nullable=False, server_default="")
    )
    language: str = Field(default="id", max_length=8)
    address_text: str = Field(default="", max_length=500)
    street: str = Field(default="", max_length=255)
    rt_rw: str = Field(default="", max_length=32)
    landmark: str = Field(default="", max_length=255)
    kota_code: str = Field(default="", max_length=8)
    kecamatan_code: str = Field(default="", max_length=12, index=True)
    kelurahan_code: str = Field(default="", max_length=16)
    kelurahan_name: str = Field(default="", max_length=100)
    location_confidence: float = 0.0
    lat: float | None = None
    lon: float | None = None
    location_source: str = Field(default="", max_length=16)
    category: str = Field(default="lainnya", max_length=32)
    category_confidence: float = 0.0
    opd: str = Field(default="", max_length=120)
    emergency: str = Field(default="", max_length=32)
    contact_id: int | None = Field(default=None, foreign_key="citizen_contact.id")
    confidential: bool = False
    anonymous: bool = False
    photo_count: int = 0
    duplicate_of: int | None = Field(default=None, foreign_key="report.id", index=True)
    tracking_number: str = Field(default="", max_length=32, index=True)
    crm_id: str = Field(default="", max_length=64)
    crm_status: str = Field(default="", max_length=32)
    info_requests: int = 0
    # Possible duplicates triage found (report id, numbers, scores): the admin compares them.
    candidates: list[dict[str, Any]] = _json(
        factory=_empty_list, nullable=False, server_default="[]"
    )
    # Dedupe keys, computed once when the text or place is stored (pipeline/blocking.py
    # keys_of): the problem words compared, the street compared, the street/landmark or RT/RW
    # block and the map cell. `problem` is NULL on rows stored before migration 0005.
    problem: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    street_key: str = Field(default="", max_length=255)
    place_key: str = Field(default="", max_length=64)
    keys_version: str = Field(default="", max_length=16)  # pipeline/keys_version.py
    geo_cell: int | None = Field(default=None, sa_type=BigInteger)
    # The normalizer's full output (missing items, area candidates, flags) that triage reads.
    normalized: dict[str, Any] = _json(nullable=False)
    needs_info_until: datetime | None = Field(default=None, sa_type=AwareDateTime)
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    state_changed_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)


class ReportFollower(SQLModel, table=True):
    """A citizen who reported the same issue and hears its status changes too."""

    __tablename__ = "report_follower"
    __table_args__ = (UniqueConstraint("report_id", "inbox_message_id", name="uq_follower"),)

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", index=True)
    inbox_message_id: int = Field(foreign_key="inbox_message.id")
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)


class Attachment(SQLModel, table=True):
    """A photo or document of a report, stored without EXIF."""

    __tablename__ = "attachment"
    __table_args__ = (UniqueConstraint("inbox_message_id", "position", name="uq_attachment_pos"),)

    id: int | None = Field(default=None, primary_key=True)
    inbox_message_id: int = Field(foreign_key="inbox_message.id", index=True)
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    position: int = 0
    source_url: str = Field(default="", max_length=2000)
    path: str = Field(default="", max_length=500)
    content_type: str = Field(default="", max_length=64)
    size: int = 0
    sha256: str = Field(default="", max_length=64)
    phash: str = Field(default="", max_length=32)
    width: int = 0
    height: int = 0
    rejected_reason: str = Field(default="", max_length=255)
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)


class OutboxReply(SQLModel, table=True):
    """A reply to a citizen; dedupe_key makes each (report, kind) or (message, kind) send once."""

    __tablename__ = "outbox_reply"
    __table_args__ = (Index("ix_outbox_state_next", "state", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    dedupe_key: str = Field(max_length=128, unique=True)
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    inbox_message_id: int | None = Field(default=None, foreign_key="inbox_message.id")
    kind: str = Field(max_length=32)
    channel: str = Field(max_length=32)
    recipient: str = Field(default="", max_length=255)
    reply_context: dict[str, Any] = _json(nullable=False)
    text: str = Field(sa_column=Column(Text, nullable=False))
    # pending -> sending -> sent | dead ; sending past its deadline is reconciled by the sweeper
    state: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    last_error: str = Field(default="", max_length=1000)
    provider_message_id: str = Field(default="", max_length=255)
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    sent_at: datetime | None = Field(default=None, sa_type=AwareDateTime)


class CRMPush(SQLModel, table=True):
    """One report's hand-over to the CRM core, with the key that makes it idempotent."""

    __tablename__ = "crm_push"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="report.id", unique=True)
    idempotency_key: str = Field(max_length=64, unique=True)
    # pending -> done | dead
    state: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    tracking_number: str = Field(default="", max_length=32)
    crm_id: str = Field(default="", max_length=64)
    last_error: str = Field(default="", max_length=1000)
    created_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    updated_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)


class PollerCheckpoint(SQLModel, table=True):
    """A poller's cursor (saved with the rows it covers) and its heartbeat."""

    __tablename__ = "poller_checkpoint"

    channel: str = Field(primary_key=True, max_length=32)
    cursor: dict[str, Any] = _json(nullable=False)
    updated_at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow)
    heartbeat_at: datetime | None = Field(default=None, sa_type=AwareDateTime)
    lag_seconds: float | None = None
    note: str = Field(default="", max_length=500)
    items_total: int = 0


class AuditAction(SQLModel, table=True):
    """Who did what to a report, with the fields before and after."""

    __tablename__ = "audit_action"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_type=AwareDateTime, default_factory=utcnow, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=50)
    report_id: int | None = Field(default=None, foreign_key="report.id", index=True)
    before: dict[str, Any] = _json(nullable=False)
    after: dict[str, Any] = _json(nullable=False)
    note: str = Field(default="", max_length=1000)
