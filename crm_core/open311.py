"""Pure mapping between the core's records and Open311 GeoReport v2 JSON.

Spec: https://wiki.open311.org/GeoReport_v2 (services, POST requests, GET requests and
requests/{id}, tokens/{token}; errors are a list of {code, description}; datetimes ISO 8601 with
an offset). GeoReport v2 knows only "open" and "closed": the seven Indonesian statuses travel in
`extended_attributes` (the mySociety extension, https://github.com/mysociety/fixmystreet/wiki/
Open311-FMS---Complete-Spec), and status updates follow mySociety's servicerequestupdates.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from crm_core import sla
from crm_core.records import Event, NewRequest, Request
from crm_core.services import BY_CODE, Service, service_for
from crm_core.statuses import Status, is_closed

IDEMPOTENCY_ATTRIBUTE = "idempotency_key"
REFERENCE_ATTRIBUTE = "reference"
_AREA_ATTRIBUTES = ("kota_code", "kecamatan_code", "kelurahan_code", "kelurahan_name", "channel")


class Open311Error(Exception):
    """A request the endpoint refuses; rendered as the spec's [{code, description}] list."""

    def __init__(self, status_code: int, description: str) -> None:
        super().__init__(description)
        self.status_code = status_code
        self.description = description


def error_body(status_code: int, description: str) -> list[dict[str, Any]]:
    """The GeoReport v2 error shape."""
    return [{"code": status_code, "description": description}]


def iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset, as the spec requires."""
    return value.isoformat(timespec="seconds") if value else None


def service_json(service: Service) -> dict[str, Any]:
    """One entry of GET services.json."""
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": False,
        "type": "realtime",
        "keywords": ",".join(service.keywords),
        "group": service.group,
    }


def open311_status(crm_status: str) -> str:
    """Selesai is "closed"; every other status is "open"."""
    return "closed" if is_closed(Status(crm_status)) else "open"


def _latest_photo(request: Request) -> str:
    for event in reversed(request.history):
        if event.photo_urls:
            return event.photo_urls[-1]
    return request.photo_urls[0] if request.photo_urls else ""


def event_json(event: Event) -> dict[str, Any]:
    """A public history step (no officer name)."""
    return {
        "status": event.status,
        "datetime": iso(event.at),
        "note": event.note,
        "media_urls": list(event.photo_urls),
    }


def request_json(request: Request, now: datetime) -> dict[str, Any]:
    """One service request as GET requests.json shows it; never contact data."""
    service = service_for(request.category)
    notes = request.history[-1].note if request.history else ""
    extended: dict[str, Any] = {
        "crm_status": request.status,
        "tracking_number": request.tracking_number,
        REFERENCE_ATTRIBUTE: request.reference,
        IDEMPOTENCY_ATTRIBUTE: request.idempotency_key,
        "sla_flags": sla.sla_flags(
            request.created_at, request.coordinated_at, request.resolved_at, now
        ),
        **{name: getattr(request, name) for name in _AREA_ATTRIBUTES},
    }
    if request.history:
        extended["history"] = [event_json(event) for event in request.history]
    return {
        "service_request_id": request.tracking_number,
        "status": open311_status(request.status),
        "status_notes": notes,
        "service_name": service.name,
        "service_code": request.category,
        "description": request.description,
        "agency_responsible": request.opd or service.group,
        "service_notice": "",
        "requested_datetime": iso(request.created_at),
        "updated_datetime": iso(request.updated_at),
        "expected_datetime": iso(request.created_at + sla.RESOLVE_WITHIN),
        "address": request.address,
        "address_id": "",
        "zipcode": "",
        "lat": request.lat,
        "long": request.lon,
        "media_url": _latest_photo(request),
        "extended_attributes": extended,
    }


def update_json(event: Event) -> dict[str, Any]:
    """One entry of servicerequestupdates.json (mySociety extension); update_id is our seq."""
    return {
        "update_id": str(event.seq),
        "service_request_id": event.tracking_number,
        "status": open311_status(event.status),
        "crm_status": event.status,
        "updated_datetime": iso(event.at),
        "description": event.note,
        "media_url": event.photo_urls[-1] if event.photo_urls else "",
        "media_urls": list(event.photo_urls),
    }


def _float(form: Mapping[str, str], name: str) -> float | None:
    raw = (form.get(name) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a decimal number") from None


def attributes(form: Mapping[str, str]) -> dict[str, str]:
    """The attribute[code]=value pairs of a POST."""
    return {
        key[len("attribute[") : -1]: value
        for key, value in form.items()
        if key.startswith("attribute[") and key.endswith("]")
    }


def parse_post(form: Mapping[str, str], idempotency_header: str | None) -> NewRequest:
    """POST requests.json form -> NewRequest; raises Open311Error(400) naming the bad field."""
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "service_code is required")
    if code not in BY_CODE:
        raise Open311Error(400, f"service_code {code!r} not found; see services.json")
    description = (form.get("description") or "").strip()
    if not description:
        raise Open311Error(400, "description is required")
    attrs = attributes(form)
    lat, lon = _float(form, "lat"), _float(form, "long")
    if (lat is None) != (lon is None):
        raise Open311Error(400, "lat and long must be given together")
    address = (form.get("address_string") or "").strip()
    if lat is None and not address and not attrs.get("kelurahan_code"):
        # The spec requires a location: lat/long, address_string or address_id.
        raise Open311Error(400, "a location is required: lat & long or address_string")
    # An Idempotency-Key header (draft-ietf-httpapi-idempotency-key-header) or the attribute; a
    # client sending neither gets plain, non-idempotent Open311 behaviour.
    key = (idempotency_header or attrs.get(IDEMPOTENCY_ATTRIBUTE) or "").strip()
    name = " ".join(p for p in (form.get("first_name", ""), form.get("last_name", "")) if p)
    photos = [form.get("media_url", "")] + (attrs.get("media_urls") or "").split()
    return NewRequest(
        idempotency_key=key or f"open311:{uuid.uuid4()}",
        reference=attrs.get(REFERENCE_ATTRIBUTE, "").strip(),
        description=description,
        category=code,
        opd=attrs.get("opd", "").strip() or BY_CODE[code].group,
        channel=attrs.get("channel", "").strip() or "open311",
        address=address,
        kota_code=attrs.get("kota_code", "").strip(),
        kecamatan_code=attrs.get("kecamatan_code", "").strip(),
        kelurahan_code=attrs.get("kelurahan_code", "").strip(),
        kelurahan_name=attrs.get("kelurahan_name", "").strip(),
        lat=lat,
        lon=lon,
        photo_urls=tuple(dict.fromkeys(p.strip() for p in photos if p.strip())),
        contact_name=name.strip(),
        contact_phone=(form.get("phone") or "").strip(),
        contact_email=(form.get("email") or "").strip(),
    )


def parse_datetime(name: str, raw: str | None) -> datetime | None:
    """A start_date/end_date query value (ISO 8601 with offset)."""
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(
            400, f"{name} must be ISO 8601, e.g. 2026-11-23T09:00:00+07:00"
        ) from None
    if value.tzinfo is None:
        raise Open311Error(400, f"{name} needs a timezone offset (Z or +07:00)")
    return value


def statuses_for(open311: str | None, crm_status: str | None) -> list[str]:
    """The Indonesian statuses matching ?status=open|closed and/or ?crm_status=..."""
    wanted = [s for s in Status]
    if open311:
        states = {s.strip() for s in open311.split(",")}
        if not states <= {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        wanted = [s for s in wanted if open311_status(s.value) in states]
    if crm_status:
        names = {n.strip().casefold() for n in crm_status.split(",")}
        wanted = [s for s in wanted if s.value.casefold() in names]
    return [s.value for s in wanted]
