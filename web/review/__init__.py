"""Admin review UI under /admin: login, review queue, report page, audit log (and B's desk)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

# Starlette's Request (what fastapi re-exports) is light; fastapi itself (~0.2 s, its OpenAPI
# models) is imported inside the functions: migrations import web.review.models, hence this
# package, in every `intake` command that opens the database.
from starlette.requests import Request

from config.settings import Settings

if TYPE_CHECKING:
    from fastapi import APIRouter, FastAPI

STATIC_DIR = Path(__file__).parent / "static"


def build_router(settings: Settings) -> APIRouter:
    """Every admin route under /admin; each request sees the settings the app was built with."""
    # imported here so that `import web.review.models` (migrations) stays light
    from fastapi import APIRouter, Depends  # noqa: PLC0415

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
    from fastapi.staticfiles import StaticFiles  # noqa: PLC0415
    from starlette.exceptions import HTTPException  # noqa: PLC0415

    from web.review.errors import admin_http_errors  # noqa: PLC0415
    from web.review.security import SecurityHeaders  # noqa: PLC0415

    app.include_router(build_router(settings), include_in_schema=False)
    app.mount("/admin/static", StaticFiles(directory=STATIC_DIR), name="admin_static")
    https = settings.public_base_url.startswith("https://")
    app.add_middleware(SecurityHeaders, prefix="/admin", https=https)
    # answers other paths exactly as FastAPI's default handler does
    app.add_exception_handler(HTTPException, admin_http_errors)  # type: ignore[arg-type]
