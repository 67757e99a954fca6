"""One ASGI app: connector webhooks, CRM core API (embedded), tracking page, health and metrics."""

from __future__ import annotations

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from sqlalchemy import text

from config.settings import Settings, get_settings
from connectors import registry
from crm_client.embedded import EmbeddedCRMClient
from crm_core.api import build_router as core_router
from crm_core.metrics import SlaCollector
from crm_core.service import CRMCore
from pipeline.broker import get_broker, is_in_process
from pipeline.crm import get_client
from pipeline.db import get_engine
from web import review
from web.tracking import build_router as tracking_router

_sla_collectors: dict[int, SlaCollector] = {}


def _register_sla_metrics(core: CRMCore) -> None:
    """SLA gauges of the embedded core, registered once per core in this process."""
    if id(core) not in _sla_collectors:
        _sla_collectors[id(core)] = SlaCollector(core)
        REGISTRY.register(_sla_collectors[id(core)])


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the web app for these settings (webhook routes only for enabled channels)."""
    settings = settings or get_settings()
    get_broker(settings)
    app = FastAPI(title="Jakarta CRM intake", version="0.1.0")
    for router in registry.routers(settings):
        app.include_router(router)
    client = get_client(settings)
    if isinstance(client, EmbeddedCRMClient):
        api_key = settings.crm.api_key.get_secret_value() if settings.crm.api_key else None
        app.include_router(
            core_router(client.core, api_key=api_key, jurisdiction_id=settings.crm.jurisdiction_id)
        )
        _register_sla_metrics(client.core)
    app.include_router(tracking_router(client))
    review.install(app, settings)
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
