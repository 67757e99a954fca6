"""One ASGI app: connector webhooks, CRM core API (embedded), tracking page, health and metrics."""

from __future__ import annotations

import importlib.util

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from config.settings import Settings, get_settings
from connectors import registry
from pipeline.broker import get_broker, is_in_process
from pipeline.crm import get_client
from pipeline.db import get_engine


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app for these settings (webhook routes only for enabled channels)."""
    settings = settings or get_settings()
    get_broker(settings)
    app = FastAPI(title="Jakarta CRM intake", version="0.1.0")
    for router in registry.routers(settings):
        app.include_router(router)
    client = get_client(settings)
    if settings.crm.backend == "embedded" and _has("crm_core.api"):
        from crm_core.api import build_router as core_router  # noqa: PLC0415

        app.include_router(core_router(client.core))  # type: ignore[attr-defined]
    if _has("web.tracking"):
        from web.tracking import build_router as tracking_router  # noqa: PLC0415

        app.include_router(tracking_router(client))
    _health_routes(app, settings)
    return app


def _health_routes(app: FastAPI, settings: Settings) -> None:
    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Database and broker reachable."""
        checks: dict[str, str] = {}
        try:
            with get_engine().connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            checks["database"] = f"error: {type(exc).__name__}"
        broker = get_broker(settings)
        if is_in_process(broker):
            checks["broker"] = "ok (in-process)"
        else:
            try:
                broker.client.ping()  # type: ignore[attr-defined]
                checks["broker"] = "ok"
            except Exception as exc:  # noqa: BLE001
                checks["broker"] = f"error: {type(exc).__name__}"
        ready = all(v.startswith("ok") for v in checks.values())
        return JSONResponse(checks, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
