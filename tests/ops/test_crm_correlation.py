"""The correlation id travels with the CRM push (X-Correlation-ID), so both sides' logs join."""

from __future__ import annotations

import structlog

from crm_client.base import CRMReport
from crm_client.open311 import Open311Client
from tests.fakes.http_fake import Call, FakeServer, Reply


class GeoReportServer(FakeServer):
    """POST requests.json answers a service_request_id, as GeoReport v2 specifies."""

    def route(self, call: Call) -> Reply:
        """Create one request per POST."""
        if call.method == "POST" and call.path.endswith("/requests.json"):
            return Reply(201, [{"service_request_id": f"JKT-{len(self.calls)}"}])
        return Reply(404, [{"code": 404, "description": "not found"}])


def _report() -> CRMReport:
    return CRMReport(
        idempotency_key="jakarta-intake:IN-4F2A9C",
        reference="IN-4F2A9C",
        description="Saluran air tersumbat di Jl. Cikini Raya RT 03 RW 02, air meluap ke jalan.",
        category="saluran_air",
        kelurahan_code="31.71.06.1002",
    )


def test_push_carries_the_bound_correlation_id() -> None:
    with GeoReportServer() as server:
        client = Open311Client(server.base_url + "/open311/v2", jurisdiction_id="jakarta.go.id")
        structlog.contextvars.bind_contextvars(correlation_id="5b0c8e1f9d2a4c6e8f0a1b2c3d4e5f60")
        try:
            ticket = client.push(_report())
        finally:
            structlog.contextvars.clear_contextvars()
        unbound = client.push(_report().model_copy(update={"idempotency_key": "jakarta-intake:2"}))
        client.close()
    assert ticket.tracking_number == "JKT-1" and unbound.tracking_number == "JKT-2"
    first, second = server.calls
    assert first.headers["x-correlation-id"] == "5b0c8e1f9d2a4c6e8f0a1b2c3d4e5f60"
    assert "x-correlation-id" not in second.headers  # outside an actor run: no stale id
