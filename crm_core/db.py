"""The CRM core's own tables (own MetaData, apart from the intake's Alembic) and engine set-up."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    create_engine,
    event,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

from crm_core.records import Event, NewRequest, Request

DEFAULT_SQLITE_PATH = Path("var") / "crm_core.db"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the CRM core; use UTC-aware datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class CoreBase(DeclarativeBase):
    """Declarative base with its own MetaData: SQLModel.metadata belongs to the pipeline."""


class ServiceRequest(CoreBase):
    """One citizen report inside the CRM core (Open311 calls it a service request)."""

    __tablename__ = "crm_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(16), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    reference: Mapped[str] = mapped_column(String(200), index=True)
    status: Mapped[str] = mapped_column(String(32), index=True)
    category: Mapped[str] = mapped_column(String(64), default="lainnya")
    opd: Mapped[str] = mapped_column(String(200), default="")
    channel: Mapped[str] = mapped_column(String(64), default="")
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text, default="")
    kota_code: Mapped[str] = mapped_column(String(16), default="")
    kecamatan_code: Mapped[str] = mapped_column(String(16), default="")
    kelurahan_code: Mapped[str] = mapped_column(String(16), default="", index=True)
    kelurahan_name: Mapped[str] = mapped_column(String(120), default="")
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    photo_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Personal data: never shown on the tracking page, never logged.
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(200), default="")
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    coordinated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the clock stops, so reports closed late stay counted (see crm_core/sla.py).
    coordinated_late: Mapped[bool] = mapped_column(Boolean, default=False)
    resolved_late: Mapped[bool] = mapped_column(Boolean, default=False)


class StatusEvent(CoreBase):
    """One step of a report's history: who moved it, when, why, with which photos."""

    __tablename__ = "crm_status_event"
    __table_args__ = (Index("ix_crm_status_event_request", "request_id", "seq"),)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    request_id: Mapped[int] = mapped_column(ForeignKey("crm_request.id"))
    from_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    status: Mapped[str] = mapped_column(String(32))
    officer: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    photo_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Counter(CoreBase):
    """Gap-free event sequence: bumping this row inside the event's transaction orders commits.

    A plain autoincrement is not enough on PostgreSQL: a transaction holding seq 5 may commit
    after one holding seq 6, and a poller that already read past 6 would miss 5 forever.
    """

    __tablename__ = "crm_counter"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


def request_values(
    new: NewRequest, photos: list[str], tracking_number: str, now: datetime
) -> dict[str, Any]:
    """Column values of a new report, in Menunggu."""
    return {
        "tracking_number": tracking_number,
        "idempotency_key": new.idempotency_key,
        "reference": new.reference,
        "status": "Menunggu",
        "category": new.category or "lainnya",
        "opd": new.opd,
        "channel": new.channel,
        "description": new.description,
        "address": new.address,
        "kota_code": new.kota_code,
        "kecamatan_code": new.kecamatan_code,
        "kelurahan_code": new.kelurahan_code,
        "kelurahan_name": new.kelurahan_name,
        "lat": new.lat,
        "lon": new.lon,
        "photo_urls": photos,
        "contact_name": new.contact_name,
        "contact_phone": new.contact_phone,
        "contact_email": new.contact_email,
        "received_at": new.received_at,
        "created_at": now,
        "updated_at": now,
        "coordinated_at": None,
        "resolved_at": None,
        "coordinated_late": False,
        "resolved_late": False,
    }


def check_lengths(table_name: str, values: dict[str, Any]) -> None:
    """Raise ValueError naming the field whose text exceeds its column (PostgreSQL would refuse
    it with an error that looks like an outage; SQLite would silently keep it)."""
    table = CoreBase.metadata.tables[table_name]
    for name, value in values.items():
        limit = getattr(table.c[name].type, "length", None) if name in table.c else None
        if limit and isinstance(value, str) and len(value) > limit:
            raise ValueError(f"{name} is longer than {limit} characters")


_REQUEST_COLUMNS = [
    f.name for f in dataclasses.fields(Request) if f.name not in {"created", "history"}
]


def to_event(row: StatusEvent, tracking_number: str) -> Event:
    """A history row as a plain value."""
    return Event(
        seq=row.seq,
        tracking_number=tracking_number,
        from_status=row.from_status,
        status=row.status,
        officer=row.officer,
        note=row.note,
        photo_urls=list(row.photo_urls or []),
        at=row.at,
    )


def to_request(
    row: ServiceRequest, history: list[Event] | None = None, created: bool = False
) -> Request:
    """A report row as a plain value (usable after its session closed)."""
    values = {name: getattr(row, name) for name in _REQUEST_COLUMNS}
    values["photo_urls"] = list(values["photo_urls"] or [])
    return Request(**values, created=created, history=history or [])


def next_seq(session: Session | Connection) -> int:
    """Bump and return the event sequence inside the caller's transaction."""
    # Written first in every write transaction: SQLite takes its write lock here (waiting on
    # busy_timeout instead of failing on a stale read snapshot), PostgreSQL locks the row,
    # so events commit in seq order.
    stmt = (
        update(Counter)
        .where(Counter.name == "event")
        .values(value=Counter.value + 1)
        .returning(Counter.value)
    )
    return int(session.execute(stmt).scalar_one())


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[Any, Any], None]:
    # WAL lets readers run beside the one writer; busy_timeout makes writers queue instead of
    # failing at once (https://www.sqlite.org/wal.html, https://www.sqlite.org/c3ref/busy_timeout.html).
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return on_connect


def make_engine(database_url: str = "", busy_timeout_s: float = 30.0) -> Engine:
    """Engine for the core's database; empty URL means the SQLite file var/crm_core.db."""
    if not database_url:
        database_url = f"sqlite:///{DEFAULT_SQLITE_PATH}"
    if database_url.startswith("postgres://"):  # Heroku-style URLs
        database_url = "postgresql://" + database_url.removeprefix("postgres://")
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url.removeprefix("postgresql://")
    if not database_url.startswith("sqlite"):
        return create_engine(database_url, pool_pre_ping=True)
    path = make_url(database_url).database
    if path and path != ":memory:" and not path.startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)  # a fresh checkout has no var/
    engine = create_engine(
        database_url, connect_args={"check_same_thread": False, "timeout": busy_timeout_s}
    )
    event.listen(engine, "connect", _sqlite_pragmas(int(busy_timeout_s * 1000)))
    return engine


def create_all(engine: Engine) -> None:
    """Create the core's tables (idempotent) and its event counter row.

    Processes starting together (web, workers) may race on CREATE TABLE or the counter row; the
    loser's error is harmless, so it checks again. Each lost race means one more object exists,
    so one attempt per table plus two always suffices.
    """
    attempts = len(CoreBase.metadata.tables) + 2
    for attempt in range(attempts):
        try:
            CoreBase.metadata.create_all(engine)
            with engine.begin() as conn:
                counter = cast(Table, Counter.__table__)
                if conn.execute(counter.select().where(counter.c.name == "event")).first() is None:
                    conn.execute(counter.insert().values(name="event", value=0))
            return
        except DBAPIError:
            if attempt + 1 == attempts:
                raise
