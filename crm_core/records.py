"""Plain values the CRM core takes and returns (no ORM objects leave a session)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class NewRequest:
    """A report to create; idempotency_key makes creating it twice return the first ticket."""

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
    kelurahan_name: str = ""
    lat: float | None = None
    lon: float | None = None
    photo_urls: tuple[str, ...] = ()
    received_at: datetime | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""


@dataclass(frozen=True)
class Event:
    """One step of a report's history; seq orders all events of the core."""

    seq: int
    tracking_number: str
    from_status: str | None
    status: str
    officer: str
    note: str
    photo_urls: list[str]
    at: datetime


@dataclass(frozen=True)
class Request:
    """A stored report as officers see it (includes contact data: never show it publicly)."""

    id: int
    tracking_number: str
    idempotency_key: str
    reference: str
    status: str
    category: str
    opd: str
    channel: str
    description: str
    address: str
    kota_code: str
    kecamatan_code: str
    kelurahan_code: str
    kelurahan_name: str
    lat: float | None
    lon: float | None
    photo_urls: list[str]
    contact_name: str
    contact_phone: str
    contact_email: str
    received_at: datetime | None
    created_at: datetime
    updated_at: datetime
    coordinated_at: datetime | None
    resolved_at: datetime | None
    created: bool = False  # True only on the call that created it
    history: list[Event] = field(default_factory=list)


@dataclass(frozen=True)
class Breach:
    """An open report past one of its SLA clocks."""

    tracking_number: str
    clock: str  # sla.KOORDINASI | sla.PENYELESAIAN
    status: str
    created_at: datetime
    due_at: datetime
    kelurahan_code: str
    opd: str


@dataclass(frozen=True)
class SlaReport:
    """Open breaches (listed) and counts, including reports that were closed late."""

    breaches: list[Breach]
    open_late_coordination: int
    open_late_resolution: int
    closed_late_coordination: int
    closed_late_resolution: int


def clean_photo_urls(photo_urls: Sequence[str]) -> list[str]:
    """Trimmed photo URLs; anything but http(s) is refused (it ends up in an <img src>)."""
    urls = [url.strip() for url in photo_urls if url.strip()]
    for url in urls:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"foto harus berupa URL http(s): {url[:80]!r}")
    return urls
