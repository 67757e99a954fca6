"""Open311Client against a plain GeoReport v2 server: tokens, ignored filters, ignored header.

The server below does only what the spec requires (https://wiki.open311.org/GeoReport_v2): it
answers POST with a token, resolves the token once its batch "ran", ignores the Idempotency-Key
header and every filter it does not know, and keeps attribute[...] as extended_attributes.
"""

from __future__ import annotations

import asyncio
import itertools

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from crm_client.base import CRMUnavailable
from crm_client.open311 import Open311Client
from crm_client.retry import Backoff
from crm_core.serve import ServedApp


class BatchServer:
    """State of a spec-minimal batch server; the first POST answers too late for the client."""

    def __init__(self, slow_first_post_s: float = 0.0) -> None:
        self.requests: list[dict] = []
        self.tokens: dict[str, str] = {}
        self.posts = 0
        self.slow_first_post_s = slow_first_post_s
        self.ids = itertools.count(638344)
        self.app = FastAPI()
        self.app.post("/requests.json")(self.create)
        self.app.get("/requests.json")(self.search)
        self.app.get("/tokens/{token}.json")(self.token)

    async def create(self, request: Request) -> JSONResponse:
        form = await request.form()
        self.posts += 1
        token = f"tok-{self.posts}"
        request_id = str(next(self.ids))
        attributes = {k[10:-1]: str(v) for k, v in form.items() if k.startswith("attribute[")}
        self.requests.append(
            {
                "service_request_id": request_id,
                "status": "open",
                "service_code": form["service_code"],
                "description": form["description"],
                "requested_datetime": "2026-11-23T09:00:00+07:00",
                "extended_attributes": attributes,
            }
        )
        self.tokens[token] = request_id
        if self.posts == 1 and self.slow_first_post_s:
            await asyncio.sleep(self.slow_first_post_s)
        return JSONResponse([{"token": token}])

    async def search(self) -> list[dict]:
        return list(reversed(self.requests))  # ignores every filter, newest first

    async def token(self, token: str) -> JSONResponse:
        if token not in self.tokens:
            return JSONResponse([{"code": 404, "description": "token not found"}], status_code=404)
        return JSONResponse([{"service_request_id": self.tokens[token], "token": token}])


def client(url: str, timeout_s: float = 5.0) -> Open311Client:
    return Open311Client(
        url, backoff=Backoff(attempts=3, base_s=0.01, cap_s=0.05), timeout_s=timeout_s
    )


@pytest.fixture
def other_report(report):
    return report("rpt-20261123-0099", description="Lampu jalan mati di Jl. Warung Buncit Raya.")


def test_token_is_resolved_to_the_request_id(report):
    server = BatchServer()
    with ServedApp(server.app) as served:
        ticket = client(served.url).push(report())
    assert ticket.tracking_number == "638344"
    assert (
        server.requests[0]["extended_attributes"]["idempotency_key"] == "intake:rpt-20261123-0042"
    )


def test_lookup_checks_attributes_when_the_server_ignores_filters(report, other_report):
    server = BatchServer()
    with ServedApp(server.app) as served:
        crm = client(served.url)
        first = crm.push(report())
        crm.push(other_report)
        fresh = client(served.url)  # no remembered token: must search
        assert fresh.lookup("intake:rpt-20261123-0042") == first
        assert fresh.lookup("intake:rpt-never-pushed") is None


def test_timeout_after_accepting_on_a_server_that_ignores_the_header(report):
    server = BatchServer(slow_first_post_s=1.0)
    with ServedApp(server.app) as served:
        ticket = client(served.url, timeout_s=0.3).push(report())
    assert server.posts == 1  # found by lookup, not posted again
    assert ticket.tracking_number == server.requests[0]["service_request_id"]


def test_actor_level_retry_after_a_timeout_makes_no_second_ticket(report):
    server = BatchServer(slow_first_post_s=1.0)
    with ServedApp(server.app) as served:
        once = Open311Client(served.url, backoff=Backoff(attempts=1), timeout_s=0.3)
        with pytest.raises(CRMUnavailable, match="timed out"):
            once.push(report())
        same_worker = once.push(report())  # remembers the push may have landed
        other_worker = client(served.url).push(report(previous_attempts=1))
    assert server.posts == 1
    assert same_worker == other_worker
    assert same_worker.tracking_number == server.requests[0]["service_request_id"]
