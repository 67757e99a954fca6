"""CRMClient backed by the embedded crm_core in the same process (the default backend)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DBAPIError

from crm_client.base import (
    CRMRejected,
    CRMReport,
    CRMTicket,
    CRMUnavailable,
    StatusChange,
    TrackingEvent,
    TrackingInfo,
)
from crm_core import sla
from crm_core.records import Event, NewRequest, Request
from crm_core.service import CRMCore
from crm_core.statuses import Status, is_closed

_NEW_REQUEST_FIELDS = {field.name for field in dataclasses.fields(NewRequest)}


def to_new_request(report: CRMReport) -> NewRequest:
    """Map the pipeline's report onto the core's input (same field names)."""
    values = report.model_dump(include=_NEW_REQUEST_FIELDS)
    values["photo_urls"] = tuple(report.photo_urls)
    return NewRequest(**values)


def to_ticket(request: Request) -> CRMTicket:
    """The ticket the pipeline stores: tracking number, core id, status."""
    return CRMTicket(
        tracking_number=request.tracking_number, crm_id=str(request.id), status=request.status
    )


def to_status_change(event: Event) -> StatusChange:
    """An officer move as the pipeline's notifier sees it."""
    return StatusChange(
        tracking_number=event.tracking_number,
        status=event.status,
        changed_at=event.at,
        note=event.note,
        photo_urls=list(event.photo_urls),
        seq=event.seq,
    )


def to_tracking_info(request: Request, now_status_flags: list[str]) -> TrackingInfo:
    """Public view: status, area, timeline and officer photos; no contact data, no description."""
    return TrackingInfo(
        tracking_number=request.tracking_number,
        status=request.status,
        state="closed" if is_closed(Status(request.status)) else "open",
        category=request.category,
        kelurahan_code=request.kelurahan_code,
        kelurahan_name=request.kelurahan_name,
        created_at=request.created_at,
        updated_at=request.updated_at,
        history=[
            TrackingEvent(status=e.status, at=e.at, note=e.note, photo_urls=list(e.photo_urls))
            for e in request.history
        ],
        sla_flags=now_status_flags,
    )


@contextmanager
def database_trouble_is_unavailable() -> Iterator[None]:
    """A locked or unreachable core database is an outage to retry, not a rejected report."""
    try:
        yield
    except DBAPIError as exc:
        raise CRMUnavailable(f"CRM core database: {type(exc.orig).__name__}") from exc


class EmbeddedCRMClient:
    """The CRMClient protocol over an in-process CRMCore; a push is one short transaction."""

    def __init__(self, core: CRMCore) -> None:
        self.core = core

    def push(self, report: CRMReport) -> CRMTicket:
        """Create the ticket, or return the existing one for the same idempotency key."""
        try:
            with database_trouble_is_unavailable():
                return to_ticket(self.core.create_request(to_new_request(report)))
        except ValueError as exc:  # missing description, bad photo URL: no retry fixes it
            raise CRMRejected(str(exc)) from exc

    def lookup(self, idempotency_key: str) -> CRMTicket | None:
        """The ticket pushed with this idempotency key, if any."""
        with database_trouble_is_unavailable():
            request = self.core.get_by_key(idempotency_key)
        return None if request is None else to_ticket(request)

    def status_changes(self, after_seq: int) -> list[StatusChange]:
        """Officer moves after after_seq, oldest first."""
        with database_trouble_is_unavailable():
            events = self.core.status_changes(after_seq)
        return [to_status_change(event) for event in events]

    def track(self, tracking_number: str) -> TrackingInfo | None:
        """Public view by number; raises InvalidTrackingNumber with a hint for a mistyped one."""
        with database_trouble_is_unavailable():
            request = self.core.get(tracking_number)
        if request is None:
            return None
        flags = sla.sla_flags(
            request.created_at, request.coordinated_at, request.resolved_at, self.core.clock()
        )
        return to_tracking_info(request, flags)
