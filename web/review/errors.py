"""Friendly HTML pages for errors a browser meets under /admin (API clients keep JSON)."""

from __future__ import annotations

from fastapi import Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from web.review.templating import templates

#: Status -> catalogue key of the message shown; others keep FastAPI's default answer.
MESSAGES = {403: "forbidden", 404: "page_not_found", 409: "claim_taken", 429: "login_locked_short"}


def message_key(exc: HTTPException) -> str | None:
    """Which message a browser sees for this error, or None for the default JSON."""
    if exc.status_code == 403 and "CSRF" in str(exc.detail):
        return "csrf_failed"
    return MESSAGES.get(exc.status_code)


async def admin_http_errors(request: Request, exc: HTTPException) -> Response:
    """An HTML page for browsers under /admin; everything else as FastAPI would answer."""
    key = message_key(exc)
    wants_html = "text/html" in request.headers.get("accept", "")
    is_admin = request.url.path.startswith("/admin/") and not request.headers.get("HX-Request")
    if key is None or not (wants_html and is_admin):
        return await http_exception_handler(request, exc)
    return templates.TemplateResponse(
        request, "error.html", {"message": key}, status_code=exc.status_code, headers=exc.headers
    )
