"""CRMCore: create reports idempotently, move them through the lifecycle, list changes and SLA."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import cast

import structlog
from sqlalchemy import ColumnElement, Table, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_core import sla, tracking_numbers
from crm_core.db import (
    ServiceRequest,
    StatusEvent,
    check_lengths,
    create_all,
    make_engine,
    next_seq,
    request_values,
    to_event,
    to_request,
)
from crm_core.records import Breach, Event, NewRequest, Request, SlaReport, clean_photo_urls
from crm_core.statuses import Status, check_transition, parse_status

log = structlog.get_logger("crm_core")
_MAX_NUMBER_ATTEMPTS = 8
REQUESTS = cast(Table, ServiceRequest.__table__)
EVENTS = cast(Table, StatusEvent.__table__)
_INSERT_REQUEST = insert(REQUESTS).returning(REQUESTS.c.id)


class RequestNotFound(LookupError):
    """No report with that tracking number."""


def utcnow() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


class CRMCore:
    """The embedded CRM core; safe to share between threads (each call is its own transaction)."""

    def __init__(self, engine_or_url: Engine | str = "", clock: Callable[[], datetime] = utcnow):
        self.engine = (
            engine_or_url if isinstance(engine_or_url, Engine) else make_engine(engine_or_url)
        )
        self.clock = clock
        create_all(self.engine)
        # SQLite has one writer at a time; queueing our own threads on a lock is much faster
        # than SQLite's busy handler, which sleeps in growing steps (up to 100 ms) while it waits.
        self._write_lock: AbstractContextManager[object] = (
            threading.Lock() if self.engine.dialect.name == "sqlite" else nullcontext()
        )

    def create_request(self, new: NewRequest) -> Request:
        """Create a report in Menunggu, or return the one already made with this idempotency key."""
        if not new.idempotency_key.strip():
            raise ValueError("idempotency_key is required")
        if not new.description.strip():
            raise ValueError("description is required")
        photos = clean_photo_urls(new.photo_urls)
        existing = self.get_by_key(new.idempotency_key)
        if existing is not None:
            return existing
        for _ in range(_MAX_NUMBER_ATTEMPTS):
            try:
                return self._insert(new, photos)
            except IntegrityError:
                # Either a concurrent push with the same key won (return its ticket) or the
                # random tracking number collided (try another one).
                existing = self.get_by_key(new.idempotency_key)
                if existing is not None:
                    return existing
        raise RuntimeError("could not allocate a unique tracking number")

    def _insert(self, new: NewRequest, photos: list[str]) -> Request:
        # SQLAlchemy Core, not the ORM: the hot path of every push skips the unit of work.
        now = self.clock()
        number = tracking_numbers.display(tracking_numbers.generate())
        values = request_values(new, photos, number, now)
        check_lengths(REQUESTS.name, values)
        first = {
            "from_status": None,
            "status": values["status"],
            "officer": "sistem",
            "note": "Laporan diterima CRM.",
            "photo_urls": [],
            "at": now,
        }
        with self._write_lock, self.engine.begin() as conn:
            seq = next_seq(conn)
            # Parameters passed separately keep the compiled statement cached.
            request_id = conn.execute(_INSERT_REQUEST, values).scalar_one()
            conn.execute(insert(EVENTS), {"seq": seq, "request_id": request_id, **first})
        # Only the number, channel and category: never contact data or the description.
        log.info(
            "crm_request_created",
            tracking_number=number,
            channel=new.channel,
            category=values["category"],
        )
        event = SimpleNamespace(seq=seq, **first)
        history = [to_event(event, values["tracking_number"])]  # type: ignore[arg-type]
        return to_request(SimpleNamespace(id=request_id, **values), history, created=True)  # type: ignore[arg-type]

    def get_by_key(self, idempotency_key: str) -> Request | None:
        """The report pushed with this idempotency key, if any."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(REQUESTS).where(REQUESTS.c.idempotency_key == idempotency_key)
            ).first()
        return None if row is None else to_request(row)  # type: ignore[arg-type]

    def get(self, tracking_number: str, with_history: bool = True) -> Request | None:
        """The report with this number (any accepted spelling); raises InvalidTrackingNumber."""
        number = tracking_numbers.parse(tracking_number)
        with Session(self.engine) as session:
            row = session.scalars(
                select(ServiceRequest).where(ServiceRequest.tracking_number == number)
            ).first()
            if row is None:
                return None
            return to_request(row, self._history(session, row) if with_history else None)

    def _history(self, session: Session, row: ServiceRequest) -> list[Event]:
        events = session.scalars(
            select(StatusEvent).where(StatusEvent.request_id == row.id).order_by(StatusEvent.seq)
        )
        return [to_event(event, row.tracking_number) for event in events]

    def search(
        self,
        *,
        status: Sequence[str] | None = None,
        tracking_numbers_in: Sequence[str] = (),
        reference: str = "",
        idempotency_key: str = "",
        kelurahan_code: str = "",
        category: str = "",
        start: datetime | None = None,
        end: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[Request]:
        """Reports matching every given filter, newest first (status=[] matches nothing)."""
        stmt = select(ServiceRequest)
        if status is not None:
            stmt = stmt.where(ServiceRequest.status.in_([parse_status(s).value for s in status]))
        if tracking_numbers_in:
            numbers = [tracking_numbers.parse(n) for n in tracking_numbers_in]
            stmt = stmt.where(ServiceRequest.tracking_number.in_(numbers))
        for column, value in (
            (ServiceRequest.reference, reference),
            (ServiceRequest.idempotency_key, idempotency_key),
            (ServiceRequest.kelurahan_code, kelurahan_code),
            (ServiceRequest.category, category),
        ):
            if value:
                stmt = stmt.where(column == value)
        if start is not None:
            stmt = stmt.where(ServiceRequest.created_at >= start)
        if end is not None:
            stmt = stmt.where(ServiceRequest.created_at <= end)
        stmt = stmt.order_by(ServiceRequest.id.desc()).limit(limit).offset(offset)
        with Session(self.engine) as session:
            return [to_request(row) for row in session.scalars(stmt)]

    def transition(
        self,
        tracking_number: str,
        to_status: str,
        officer: str,
        note: str = "",
        photo_urls: Sequence[str] = (),
    ) -> Request:
        """Move a report one allowed step; raises TransitionNotAllowed or RequestNotFound."""
        number = tracking_numbers.parse(tracking_number)
        target = parse_status(to_status)
        if not officer.strip():
            raise ValueError("officer is required")
        check_lengths(EVENTS.name, {"officer": officer.strip()})
        photos = clean_photo_urls(photo_urls)
        now = self.clock()
        with (
            self._write_lock,
            Session(self.engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            seq = next_seq(session)
            row = session.scalars(
                select(ServiceRequest).where(ServiceRequest.tracking_number == number)
            ).first()
            if row is None:
                raise RequestNotFound(number)
            current = Status(row.status)
            check_transition(current, target, note, photos)
            if row.coordinated_at is None:
                row.coordinated_at = now
                row.coordinated_late = sla.coordination_late(row.created_at, now, now)
            if target is Status.SELESAI:
                row.resolved_at = now
                row.resolved_late = sla.resolution_late(row.created_at, now, now)
            row.status = target.value
            row.updated_at = now
            session.add(
                StatusEvent(
                    seq=seq,
                    request_id=row.id,
                    from_status=current.value,
                    status=target.value,
                    officer=officer.strip(),
                    note=note.strip(),
                    photo_urls=photos,
                    at=now,
                )
            )
            session.flush()
            moved = to_request(row, self._history(session, row))
        log.info(
            "crm_status_moved",
            tracking_number=number,
            from_status=current.value,
            to_status=target.value,
        )
        return moved

    def status_changes(self, after_seq: int, limit: int = 500) -> list[Event]:
        """Officer moves with seq > after_seq, oldest first (creation itself is not a change)."""
        stmt = (
            select(StatusEvent, ServiceRequest.tracking_number)
            .join(ServiceRequest, ServiceRequest.id == StatusEvent.request_id)
            .where(StatusEvent.seq > after_seq, StatusEvent.from_status.is_not(None))
            .order_by(StatusEvent.seq)
            .limit(limit)
        )
        with Session(self.engine) as session:
            return [to_event(event, number) for event, number in session.execute(stmt)]

    def sla_breaches(self, now: datetime | None = None, limit: int = 1000) -> SlaReport:
        """Open reports past an SLA clock (listed, oldest first) and counts of all breaches."""
        now = now or self.clock()
        coord_cut = now - sla.COORDINATE_WITHIN
        resolve_cut = now - sla.RESOLVE_WITHIN
        open_ = ServiceRequest.status != Status.SELESAI.value
        late_coord = (ServiceRequest.status == Status.MENUNGGU.value) & (
            ServiceRequest.created_at < coord_cut
        )
        late_resolve = open_ & (ServiceRequest.created_at < resolve_cut)
        with Session(self.engine) as session:

            def count(cond: ColumnElement[bool]) -> int:
                query = select(func.count()).select_from(ServiceRequest).where(cond)
                return int(session.scalar(query) or 0)

            breaches = [
                Breach(
                    row.tracking_number,
                    clock,
                    row.status,
                    row.created_at,
                    row.created_at + within,
                    row.kelurahan_code,
                    row.opd,
                )
                for clock, within, cond in (
                    (sla.KOORDINASI, sla.COORDINATE_WITHIN, late_coord),
                    (sla.PENYELESAIAN, sla.RESOLVE_WITHIN, late_resolve),
                )
                for row in session.scalars(
                    select(ServiceRequest)
                    .where(cond)
                    .order_by(ServiceRequest.created_at)
                    .limit(limit)
                )
            ]
            return SlaReport(
                breaches=breaches,
                open_late_coordination=count(late_coord),
                open_late_resolution=count(late_resolve),
                closed_late_coordination=count(ServiceRequest.coordinated_late.is_(True)),
                closed_late_resolution=count(ServiceRequest.resolved_late.is_(True)),
            )
