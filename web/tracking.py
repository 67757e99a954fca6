"""Public tracking: /lacak (HTML) and GET /api/v1/tracking/{number} (JSON), no personal data."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import structlog
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from crm_client.base import CRMClient, CRMError, InvalidTrackingNumber, TrackingInfo
from crm_core.statuses import DESCRIPTIONS

log = structlog.get_logger(__name__)
WIB = timezone(timedelta(hours=7), "WIB")
_HERE = Path(__file__).parent
_ENV = Environment(
    loader=FileSystemLoader(_HERE / "templates"),
    autoescape=select_autoescape(["html"]),
)
_CSS = (_HERE / "static" / "tracking.css").read_text(encoding="utf-8")

STATUS_TEXT = {status.value: text for status, text in DESCRIPTIONS.items()}
SLA_TEXT = {
    "koordinasi": "Melewati batas waktu koordinasi (6 jam).",
    "penyelesaian": "Melewati batas waktu penyelesaian (7 hari).",
}
NOT_FOUND = "Laporan dengan nomor ini tidak ditemukan. Mohon periksa kembali nomor Anda."
UNAVAILABLE = "Mohon maaf, data laporan belum dapat ditampilkan. Silakan coba lagi nanti."
TOO_LONG = "Nomor laporan terlalu panjang, contoh nomor: JK7M-29QX-4. Mohon periksa kembali."
#: Longer input is never a number (the form's maxlength too); answered without a CRM lookup.
MAX_NUMBER_CHARS = 40
# The page loads nothing but its own CSS and photos (CSP Level 3, https://www.w3.org/TR/CSP3/).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src https: http:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def wib(value: datetime | None) -> str:
    """23-11-2026 09:00 WIB."""
    return value.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB") if value else ""


def safe_photos(urls: list[str]) -> list[str]:
    """Only http(s) URLs reach an <img src>; a CRM could send anything."""
    return [url for url in urls if url.startswith(("https://", "http://"))]


def page_context(info: TrackingInfo) -> dict[str, Any]:
    """What the template shows: the timeline newest first, photos of completed work."""
    steps = [
        {"status": e.status, "at": wib(e.at), "note": e.note, "photos": safe_photos(e.photo_urls)}
        for e in reversed(info.history)
    ]
    return {
        "info": info,
        "status_text": STATUS_TEXT.get(info.status, ""),
        "created": wib(info.created_at),
        "steps": steps,
        "sla": [SLA_TEXT[flag] for flag in info.sla_flags if flag in SLA_TEXT],
    }


def lookup(client: CRMClient, number: str) -> tuple[int, TrackingInfo | None, str]:
    """(HTTP status, info, message for the citizen) for a typed number."""
    if len(number) > MAX_NUMBER_CHARS:
        return 400, None, TOO_LONG
    try:
        info = client.track(number)
    except InvalidTrackingNumber as exc:
        return 400, None, exc.hint
    except CRMError as exc:
        log.warning("tracking_unavailable", error=type(exc).__name__)
        return 503, None, UNAVAILABLE
    if info is None:
        return 404, None, NOT_FOUND
    return 200, info, ""


def build_router(client: CRMClient) -> APIRouter:
    """Routes for the public page and its JSON twin."""
    router = APIRouter(tags=["tracking"])
    template = _ENV.get_template("tracking.html")

    async def render(nomor: str) -> HTMLResponse:
        context: dict[str, Any] = {"nomor": nomor[:MAX_NUMBER_CHARS], "message": ""}
        status = 200
        if nomor.strip():
            status, info, message = await run_in_threadpool(lookup, client, nomor)
            context["message"] = message
            if info is not None:
                context.update(page_context(info))
        html = template.render(**context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    # Registered before /lacak/{nomor}, which would otherwise take "lacak.css" for a number.
    @router.get("/lacak/lacak.css", include_in_schema=False)
    def css() -> Response:
        return Response(_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})

    @router.get("/lacak", response_class=HTMLResponse)
    async def page(nomor: str = Query(default="")) -> HTMLResponse:
        # No max_length here: FastAPI would answer a long number with a JSON 422, not the page.
        return await render(nomor)

    @router.get("/lacak/{nomor}", response_class=HTMLResponse)
    async def page_for(nomor: str) -> HTMLResponse:
        """Shareable link sent in status notices: /lacak/JK7M-29QX-4."""
        return await render(nomor)

    @router.get("/api/v1/tracking/{number}")
    async def tracking_json(number: str) -> JSONResponse:
        status, info, message = await run_in_threadpool(lookup, client, number)
        if info is None:
            body: dict[str, str] = {"detail": message}
            if status == 400:
                body["hint"] = message
            return JSONResponse(body, status_code=status)
        return JSONResponse(info.model_dump(mode="json"))

    return router
