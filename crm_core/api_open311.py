"""Open311 GeoReport v2 endpoint of the core, JSON only (https://wiki.open311.org/GeoReport_v2)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from crm_client.base import InvalidTrackingNumber
from crm_core import open311
from crm_core.auth import key_ok, presented_key
from crm_core.open311 import Open311Error, error_body
from crm_core.service import CRMCore
from crm_core.services import SERVICES

# The spec's default window for GET requests: "90 days or first 1000 requests, whichever is
# smallest"; page/page_size is the most widely implemented extension (wiki.open311.org/
# GeoReport_v2/Extensions).
MAX_PAGE_SIZE = 1000
DEFAULT_WINDOW = timedelta(days=90)


def _error(status_code: int, description: str) -> JSONResponse:
    return JSONResponse(error_body(status_code, description), status_code=status_code)


def _check(request: Request, api_key: str | None, jurisdiction_id: str, form_key: str = "") -> None:
    if not key_ok(api_key, presented_key(request, form_key)):
        raise Open311Error(403, "api_key is missing or wrong")
    asked = request.query_params.get("jurisdiction_id")
    if asked and asked != jurisdiction_id:
        raise Open311Error(404, f"jurisdiction_id {asked!r} not served here")


def _int(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    try:
        return int(raw) if raw else default
    except ValueError:
        raise Open311Error(400, f"{name} must be a whole number") from None


def open311_errors(
    endpoint: Callable[..., Awaitable[Any]],
) -> Callable[..., Awaitable[Any]]:
    """Render Open311Error and the core's ValueErrors in the spec's error shape (4xx, final)."""

    @functools.wraps(endpoint)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await endpoint(*args, **kwargs)
        except Open311Error as exc:
            return _error(exc.status_code, exc.description)
        except InvalidTrackingNumber as exc:
            return _error(400, exc.hint)
        except ValueError as exc:  # the core refused a field (bad photo URL, too long)
            return _error(400, str(exc))

    return wrapper


def build_open311_router(core: CRMCore, api_key: str | None, jurisdiction_id: str) -> APIRouter:
    """Routes for services.json, requests.json (GET/POST), requests/{id}.json, tokens, updates."""
    router = APIRouter(tags=["open311"])

    @router.get("/services.json")
    @open311_errors
    async def services(request: Request) -> Any:
        _check(request, None, jurisdiction_id)
        return [open311.service_json(service) for service in SERVICES]

    @router.post("/requests.json")
    @open311_errors
    async def create(request: Request) -> Any:
        form = {k: str(v) for k, v in (await request.form()).items()}
        _check(request, api_key, jurisdiction_id, form.get("api_key", ""))
        if form.get("jurisdiction_id") and form["jurisdiction_id"] != jurisdiction_id:
            raise Open311Error(404, "jurisdiction_id not served here")
        new = open311.parse_post(form, request.headers.get("idempotency-key"))
        created = await run_in_threadpool(core.create_request, new)
        body = [
            {"service_request_id": created.tracking_number, "service_notice": "", "account_id": ""}
        ]
        return JSONResponse(body, status_code=201 if created.created else 200)

    @router.get("/requests.json")
    @open311_errors
    async def search(request: Request) -> Any:
        _check(request, api_key, jurisdiction_id)
        q = request.query_params
        ids = [i for i in (q.get("service_request_id") or "").split(",") if i.strip()]
        page_size = min(_int(request, "page_size", MAX_PAGE_SIZE), MAX_PAGE_SIZE)
        page = max(_int(request, "page", 1), 1)
        filters: dict[str, Any] = {
            "status": open311.statuses_for(q.get("status"), q.get("crm_status")),
            "tracking_numbers_in": ids,
            "reference": q.get(open311.REFERENCE_ATTRIBUTE, ""),
            "idempotency_key": q.get(open311.IDEMPOTENCY_ATTRIBUTE, ""),
            "kelurahan_code": q.get("kelurahan_code", ""),
            "category": q.get("service_code", ""),
            "start": open311.parse_datetime("start_date", q.get("start_date")),
            "end": open311.parse_datetime("end_date", q.get("end_date")),
            "limit": page_size,
            "offset": (page - 1) * page_size,
        }
        now = core.clock()
        targeted = ids or filters["reference"] or filters["idempotency_key"]
        if filters["start"] is None and not targeted:
            filters["start"] = (filters["end"] or now) - DEFAULT_WINDOW
        found = await run_in_threadpool(functools.partial(core.search, **filters))
        return [open311.request_json(item, now) for item in found]

    @router.get("/requests/{request_id}.json")
    @open311_errors
    async def one(request: Request, request_id: str) -> Any:
        _check(request, api_key, jurisdiction_id)
        found = await run_in_threadpool(core.get, request_id)
        if found is None:
            raise Open311Error(404, f"service_request_id {request_id} not found")
        return [open311.request_json(found, core.clock())]

    @router.get("/tokens/{token}.json")
    @open311_errors
    async def token(request: Request, token: str) -> Any:
        # Requests are created in real time, so a token is the service_request_id itself.
        _check(request, api_key, jurisdiction_id)
        found = await run_in_threadpool(core.get, token, False)
        if found is None:
            raise Open311Error(404, f"token {token} not found")
        return [{"service_request_id": found.tracking_number, "token": token}]

    @router.get("/servicerequestupdates.json")
    @open311_errors
    async def updates(request: Request) -> Any:
        _check(request, api_key, jurisdiction_id)
        after = _int(request, "after", 0)
        limit = min(_int(request, "limit", 500), MAX_PAGE_SIZE)
        events = await run_in_threadpool(core.status_changes, after, limit)
        return [open311.update_json(event) for event in events]

    return router
