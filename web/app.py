"""One ASGI app: connector webhooks, CRM core API (embedded), tracking page, health and metrics."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from config.settings import Settings, get_settings
from connectors import registry
from crm_client.embedded import EmbeddedCRMClient
from crm_core.api import build_router as core_router
from crm_core.metrics import SlaCollector
from crm_core.service import CRMCore
from pipeline.broker import get_broker
from pipeline.crm import get_client
from pipeline.db import get_engine
from pipeline.health import readiness, stale_after
from pipeline.metrics_db import PipelineCollector
from web import review
from web.tracking import build_router as tracking_router

_sla_collector: SlaCollector | None = None
_pipeline_collector: PipelineCollector | None = None


def _register_sla_metrics(core: CRMCore) -> None:
    """SLA gauges of the embedded core: one collector per process, reading the latest core."""
    # Two collectors would export the same series names, which REGISTRY refuses.
    global _sla_collector
    if _sla_collector is None:
        _sla_collector = SlaCollector(core)
        REGISTRY.register(_sla_collector)
    _sla_collector.core = core


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


def _register_pipeline_metrics(settings: Settings, polled: list[str]) -> None:
    """Database-derived gauges, registered once per process (pipeline.metrics_db)."""
    global _pipeline_collector
    if _pipeline_collector is None:
        _pipeline_collector = PipelineCollector(lambda: get_broker(get_settings()))
        REGISTRY.register(_pipeline_collector)
    _pipeline_collector.configure(
        settings.ops.metrics_cache_s,
        timedelta(seconds=settings.ops.media_stuck_after_s),
        {channel: stale_after(settings, channel) for channel in polled},
    )


def _health_routes(app: FastAPI, settings: Settings) -> None:
    polled = registry.pollable(settings)
    _register_pipeline_metrics(settings, polled)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    def readyz() -> JSONResponse:
        """Database and broker reachable, every enabled poller's heartbeat fresh."""
        ready, checks = readiness(settings, get_engine(), get_broker(settings), polled)
        return JSONResponse(checks, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
