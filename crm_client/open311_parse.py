"""Pure reading of Open311 GeoReport v2 answers (https://wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from crm_client.base import CRMUnavailable, TrackingEvent, TrackingInfo


def decoded(response: httpx.Response) -> Any:
    """The JSON body of a 2xx answer; anything else (a proxy's HTML page) is an outage."""
    try:
        return response.json()
    except ValueError:
        raise CRMUnavailable(f"CRM answered {response.status_code} without JSON") from None


def server_message(response: httpx.Response) -> str:
    """The spec's [{code, description}] error text, or the raw body (shortened)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase
    items = body if isinstance(body, list) else [body]
    parts = [
        str(i.get("description") or i.get("detail") or i) for i in items if isinstance(i, dict)
    ]
    return "; ".join(parts)[:500] or response.reason_phrase


def retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("retry-after", "")
    return float(raw) if raw.isdigit() else None


def crm_status(item: dict[str, Any]) -> str:
    """Indonesian status from extended_attributes, else inferred from open/closed."""
    extended = item.get("extended_attributes") or {}
    if extended.get("crm_status"):
        return str(extended["crm_status"])
    return "Selesai" if item.get("status") == "closed" else "Menunggu"


def when(raw: str | None) -> datetime:
    return datetime.fromisoformat(str(raw).replace("Z", "+00:00"))


def to_tracking_info(item: dict[str, Any]) -> TrackingInfo:
    """A GeoReport v2 request (with our extended attributes when present) -> public view."""
    extended = item.get("extended_attributes") or {}
    history = [
        TrackingEvent(
            status=str(step["status"]),
            at=when(step["datetime"]),
            note=str(step.get("note") or ""),
            photo_urls=list(step.get("media_urls") or []),
        )
        for step in extended.get("history") or []
    ]
    return TrackingInfo(
        tracking_number=str(item["service_request_id"]),
        status=crm_status(item),
        state=str(item.get("status") or "open"),
        category=str(item.get("service_code") or ""),
        kelurahan_code=str(extended.get("kelurahan_code") or ""),
        kelurahan_name=str(extended.get("kelurahan_name") or ""),
        created_at=when(item["requested_datetime"]),
        updated_at=when(item["updated_datetime"]) if item.get("updated_datetime") else None,
        history=history,
        sla_flags=list(extended.get("sla_flags") or []),
    )
