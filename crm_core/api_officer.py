"""Officer API of the core: list, show, move a report, status changes, SLA breaches (JSON)."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field

from crm_client.base import InvalidTrackingNumber
from crm_core.auth import key_ok, presented_key
from crm_core.records import Request as CoreRequest
from crm_core.service import CRMCore, RequestNotFound
from crm_core.statuses import TransitionNotAllowed


class Move(BaseModel):
    """An officer's status update; the note and photos are shown on the public tracking page."""

    status: str
    officer: str = Field(min_length=1, max_length=120)
    note: str = Field(default="", max_length=2000)
    photo_urls: list[str] = Field(default_factory=list, max_length=20)


def request_view(request: CoreRequest) -> dict[str, Any]:
    """Everything an officer sees about a report (contact data included: keep behind the key)."""
    return dataclasses.asdict(request)


def build_officer_router(core: CRMCore, api_key: str | None) -> APIRouter:
    """Routes under the officer prefix; refused entirely while no API key is configured."""

    def authorised(request: Request) -> None:
        # Officer moves change what citizens are told: never open them to anonymous callers.
        if not api_key:
            raise HTTPException(403, "officer API disabled: set INTAKE_CRM__API_KEY")
        if not key_ok(api_key, presented_key(request)):
            raise HTTPException(401, "API key missing or wrong")

    router = APIRouter(tags=["crm-officer"], dependencies=[Depends(authorised)])

    def load(number: str) -> CoreRequest:
        try:
            found = core.get(number)
        except InvalidTrackingNumber as exc:
            raise HTTPException(400, exc.hint) from None
        if found is None:
            raise HTTPException(404, "report not found")
        return found

    @router.get("/requests")
    def list_requests(
        status: list[str] | None = Query(default=None),
        kelurahan_code: str = "",
        category: str = "",
        limit: int = Query(default=100, ge=1, le=1000),
        offset: int = Query(default=0, ge=0),
    ) -> list[dict[str, Any]]:
        try:
            found = core.search(
                status=status,
                kelurahan_code=kelurahan_code,
                category=category,
                limit=limit,
                offset=offset,
            )
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return [request_view(item) for item in found]

    @router.get("/requests/{number}")
    def show(number: str) -> dict[str, Any]:
        return request_view(load(number))

    @router.post("/requests/{number}/moves")
    def move(number: str, body: Move) -> dict[str, Any]:
        try:
            moved = core.transition(number, body.status, body.officer, body.note, body.photo_urls)
        except InvalidTrackingNumber as exc:
            raise HTTPException(400, exc.hint) from None
        except RequestNotFound:
            raise HTTPException(404, "report not found") from None
        except TransitionNotAllowed as exc:
            raise HTTPException(409, str(exc)) from None
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return request_view(moved)

    @router.get("/status-changes")
    def status_changes(
        after_seq: int = Query(default=0, ge=0), limit: int = Query(default=500, ge=1, le=1000)
    ) -> list[dict[str, Any]]:
        return [dataclasses.asdict(event) for event in core.status_changes(after_seq, limit)]

    @router.get("/sla")
    def sla_report(limit: int = Query(default=1000, ge=1, le=10000)) -> dict[str, Any]:
        return dataclasses.asdict(core.sla_breaches(limit=limit))

    return router
