"""Admin review UI under /admin: login, review queue, report page, audit log (and B's desk)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.staticfiles import StaticFiles

from config.settings import Settings

STATIC_DIR = Path(__file__).parent / "static"


def build_router(settings: Settings) -> APIRouter:
    """Every admin route under /admin; each request sees the settings the app was built with."""
    # imported here so that `import web.review.models` (migrations) stays light
    from web.review import (  # noqa: PLC0415
        actions,
        audit,
        dead,
        desk,
        gazetteer,
        login,
        queue,
        reports,
        stats,
    )

    def bind_settings(request: Request) -> None:
        request.state.settings = settings

    router = APIRouter(prefix="/admin", dependencies=[Depends(bind_settings)])
    for module in (login, queue, reports, actions, audit, desk, gazetteer, dead, stats):
        router.include_router(module.router)
    return router


def install(app: FastAPI, settings: Settings) -> None:
    """Add the admin UI to an app: routes, /admin/static, security headers on /admin."""
    from starlette.exceptions import HTTPException  # noqa: PLC0415

    from web.review.errors import admin_http_errors  # noqa: PLC0415
    from web.review.security import SecurityHeaders  # noqa: PLC0415

    app.include_router(build_router(settings), include_in_schema=False)
    app.mount("/admin/static", StaticFiles(directory=STATIC_DIR), name="admin_static")
    https = settings.public_base_url.startswith("https://")
    app.add_middleware(SecurityHeaders, prefix="/admin", https=https)
    # answers other paths exactly as FastAPI's default handler does
    app.add_exception_handler(HTTPException, admin_http_errors)  # type: ignore[arg-type]
