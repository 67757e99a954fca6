"""HTTP face of the core: Open311 under /open311/v2 and the officer API under /crm/api/v1."""

from __future__ import annotations

import os

from fastapi import APIRouter, FastAPI

from crm_core.api_officer import build_officer_router
from crm_core.api_open311 import build_open311_router
from crm_core.service import CRMCore

OPEN311_PREFIX = "/open311/v2"
OFFICER_PREFIX = "/crm/api/v1"


def build_router(
    core: CRMCore, api_key: str | None = None, jurisdiction_id: str = "jakarta.go.id"
) -> APIRouter:
    """Both route groups; api_key guards Open311 when set and is required by the officer API."""
    router = APIRouter()
    router.include_router(
        build_open311_router(core, api_key, jurisdiction_id), prefix=OPEN311_PREFIX
    )
    router.include_router(build_officer_router(core, api_key), prefix=OFFICER_PREFIX)
    return router


def create_app(
    core: CRMCore, api_key: str | None = None, jurisdiction_id: str = "jakarta.go.id"
) -> FastAPI:
    """A standalone ASGI app serving just the core (tests and `uvicorn --factory` use it)."""
    app = FastAPI(title="Jakarta CRM core", version="1")
    app.include_router(build_router(core, api_key, jurisdiction_id))

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def app_from_env() -> FastAPI:
    """`uvicorn --factory crm_core.api:app_from_env`: the core alone, configured by env vars.

    Reads INTAKE_CRM__DATABASE_URL, INTAKE_CRM__API_KEY and INTAKE_CRM__JURISDICTION_ID (the same
    names the intake uses) without importing intake code.
    """
    core = CRMCore(os.environ.get("INTAKE_CRM__DATABASE_URL", ""))
    return create_app(
        core,
        api_key=os.environ.get("INTAKE_CRM__API_KEY") or None,
        jurisdiction_id=os.environ.get("INTAKE_CRM__JURISDICTION_ID", "jakarta.go.id"),
    )
