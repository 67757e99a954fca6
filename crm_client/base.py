"""What the pipeline needs from a CRM core, whatever serves it."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field


class CRMReport(BaseModel):
    """A clean report handed to the CRM core; idempotency_key makes the push safe to repeat."""

    idempotency_key: str
    reference: str
    description: str
    category: str = "lainnya"
    opd: str = ""
    channel: str = ""
    address: str = ""
    kota_code: str = ""
    kecamatan_code: str = ""
    kelurahan_code: str = ""
    lat: float | None = None
    lon: float | None = None
    photo_urls: list[str] = Field(default_factory=list)
    received_at: datetime | None = None
    # Only passed when the citizen did not ask to stay confidential.
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    kelurahan_name: str = ""  # shown on the public tracking page beside the code
    # Earlier push attempts of this key (the pipeline's count): > 0 makes an Open311 client look
    # the report up before posting, since an earlier attempt may have reached the CRM.
    previous_attempts: int = 0


class CRMTicket(BaseModel):
    """The CRM's answer: the citizen-facing tracking number and the status."""

    tracking_number: str
    crm_id: str = ""
    status: str = "Menunggu"


class StatusChange(BaseModel):
    """A lifecycle change the citizen should hear about."""

    tracking_number: str
    status: str
    changed_at: datetime
    note: str = ""
    photo_urls: list[str] = Field(default_factory=list)
    seq: int = 0


class CRMError(Exception):
    """Base of CRM client errors."""


class CRMUnavailable(CRMError):
    """Timeout, connection error or 5xx: retry later (after looking the report up)."""


class CRMRejected(CRMError):
    """A 4xx no retry can fix: the push goes to the dead letters with this message."""


@runtime_checkable
class CRMClient(Protocol):
    """A CRM core the pipeline pushes to; every backend implements these."""

    def push(self, report: CRMReport) -> CRMTicket:
        """Create the ticket, or return the existing one for the same idempotency key."""
        ...

    def lookup(self, idempotency_key: str) -> CRMTicket | None:
        """Find a ticket by idempotency key (before retrying a push that may have landed)."""
        ...

    def status_changes(self, after_seq: int) -> list[StatusChange]:
        """Status changes with seq greater than after_seq, oldest first."""
        ...

    def track(self, tracking_number: str) -> TrackingInfo | None:
        """Public view of a report by tracking number; None if unknown.

        Raises InvalidTrackingNumber (with a hint) when the number cannot be right.
        """
        ...


class InvalidTrackingNumber(ValueError):
    """A tracking number that cannot be right (bad check symbol, wrong length, unused letters).

    `hint` is a short polite sentence in Bahasa Indonesia to show the citizen.
    """

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


class TrackingEvent(BaseModel):
    """One public step of a report's timeline (no officer names, no citizen data)."""

    status: str
    at: datetime
    note: str = ""
    photo_urls: list[str] = Field(default_factory=list)


class TrackingInfo(BaseModel):
    """What anyone holding the tracking number may see: no personal data."""

    tracking_number: str
    status: str
    state: str = "open"  # Open311 status: open | closed
    category: str = ""
    kelurahan_code: str = ""
    kelurahan_name: str = ""
    created_at: datetime
    updated_at: datetime | None = None
    history: list[TrackingEvent] = Field(default_factory=list)
    sla_flags: list[str] = Field(default_factory=list)  # "koordinasi" / "penyelesaian" when late
