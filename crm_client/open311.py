"""CRMClient over Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2), sync httpx.

Push: POST requests.json (form-encoded, as the spec requires) with the idempotency key both as
an Idempotency-Key header and as attribute[idempotency_key], so lookups work on servers that
ignore the header. The answer carries service_request_id, or a token to resolve later through
GET tokens/{token}.json. Timeouts, connection errors, 408/429 and 5xx are retried with backoff;
before every re-send the report is looked up, so a push that reached the CRM never makes a
second ticket. Other 4xx raise CRMRejected with the server's own description.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import structlog

from crm_client.base import (
    CRMRejected,
    CRMReport,
    CRMTicket,
    CRMUnavailable,
    InvalidTrackingNumber,
    StatusChange,
    TrackingInfo,
)
from crm_client.open311_parse import (
    crm_status,
    decoded,
    retry_after,
    server_message,
    to_tracking_info,
    when,
)
from crm_client.retry import Backoff, retry_call

_RETRYABLE_4XX = {408, 425, 429}


def _correlate(request: httpx.Request) -> None:
    """Send the log correlation id of the actor run in progress, so the CRM's logs join ours."""
    correlation_id = structlog.contextvars.get_contextvars().get("correlation_id")
    if correlation_id:
        request.headers["X-Correlation-ID"] = str(correlation_id)


#: Our categories -> the service codes of the shipped CRM core (crm_core/services.py), which
#: names six of them differently; a city's own Open311 server sets INTAKE_CRM__SERVICE_CODES
#: (e.g. {"jalan_rusak": "001", "*": "099"}) instead. Without these, those six were refused (400).
DEFAULT_SERVICE_CODES: dict[str, str] = {
    "pju": "lampu_jalan",
    "banjir": "banjir_genangan",
    "trotoar": "fasilitas_umum",
    "pkl": "ketertiban_umum",
    "kebisingan": "ketertiban_umum",
    "pelayanan_publik": "lainnya",
}


class Open311Client:
    """The CRMClient protocol against any GeoReport v2 server (JSON format)."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str = "",
        jurisdiction_id: str = "",
        service_codes: dict[str, str] | None = None,
        timeout_s: float = 10.0,
        backoff: Backoff | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.api_key = api_key
        self.jurisdiction_id = jurisdiction_id
        # A configured map replaces the defaults entirely (its "*" must not lose to them).
        self.service_codes = dict(service_codes) if service_codes else dict(DEFAULT_SERVICE_CODES)
        self.backoff = backoff or Backoff()
        self._tokens: dict[str, str] = {}  # idempotency key -> token, for batch servers
        self._uncertain: set[str] = set()  # keys whose last push may have reached the CRM
        self._lock = threading.Lock()
        headers = {"User-Agent": "jakarta-crm-intake/1 (+open311 client)"}
        if api_key:
            # GeoReport v2 asks for api_key on POST only; the header serves servers (ours) that
            # guard reads too, without putting the key in URLs that access logs keep.
            headers["X-API-Key"] = api_key
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/",
            timeout=httpx.Timeout(timeout_s),
            headers=headers,
            transport=transport,
            event_hooks={"request": [_correlate]},
        )

    @classmethod
    def from_settings(cls, crm: Any) -> Open311Client:
        """Build from config.settings.CRMSettings."""
        if not crm.base_url:
            raise ValueError("INTAKE_CRM__BASE_URL is required for the open311 backend")
        return cls(
            crm.base_url,
            api_key=crm.api_key.get_secret_value() if crm.api_key else "",
            jurisdiction_id=crm.jurisdiction_id,
            service_codes=dict(getattr(crm, "service_codes", {}) or {}),
            timeout_s=crm.timeout_s,
            backoff=Backoff(attempts=getattr(crm, "push_attempts", 3)),
        )

    def close(self) -> None:
        """Close the connection pool."""
        self.http.close()

    # -- HTTP -------------------------------------------------------------------------------

    def _params(self, **extra: Any) -> dict[str, Any]:
        params = {k: v for k, v in extra.items() if v not in (None, "")}
        if self.jurisdiction_id:
            params["jurisdiction_id"] = self.jurisdiction_id
        return params

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One HTTP call; network trouble and 5xx become CRMUnavailable, other 4xx CRMRejected."""
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise CRMUnavailable(f"CRM timed out on {method} {path}") from exc
        except httpx.TransportError as exc:
            raise CRMUnavailable(
                f"CRM unreachable on {method} {path}: {type(exc).__name__}"
            ) from exc
        if response.status_code >= 500 or response.status_code in _RETRYABLE_4XX:
            error = CRMUnavailable(
                f"CRM answered {response.status_code}: {server_message(response)}"
            )
            error.retry_after_s = retry_after(response)  # type: ignore[attr-defined]
            raise error
        return response

    def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._call(method, path, **kwargs)
        if response.status_code >= 400:
            raise CRMRejected(f"CRM answered {response.status_code}: {server_message(response)}")
        return decoded(response)

    # -- CRMClient --------------------------------------------------------------------------

    def service_code(self, category: str) -> str:
        """Our category -> the server's service_code (configured map, else same name)."""
        return self.service_codes.get(category) or self.service_codes.get("*") or category

    def form(self, report: CRMReport) -> dict[str, str]:
        """The POST requests.json form for a report."""
        form: dict[str, Any] = {
            "service_code": self.service_code(report.category),
            "description": report.description,
            "lat": report.lat,
            "long": report.lon,
            "address_string": report.address,
            "media_url": report.photo_urls[0] if report.photo_urls else "",
            "email": report.contact_email,
            "phone": report.contact_phone,
            "first_name": report.contact_name,
            "attribute[idempotency_key]": report.idempotency_key,
            "attribute[reference]": report.reference,
            "attribute[channel]": report.channel,
            "attribute[opd]": report.opd,
            "attribute[kota_code]": report.kota_code,
            "attribute[kecamatan_code]": report.kecamatan_code,
            "attribute[kelurahan_code]": report.kelurahan_code,
            "attribute[kelurahan_name]": report.kelurahan_name,
            "attribute[media_urls]": " ".join(report.photo_urls[1:]),
        }
        return {k: str(v) for k, v in self._params(**form, api_key=self.api_key).items()}

    def _post(self, report: CRMReport) -> CRMTicket:
        body = self._json(
            "POST",
            "requests.json",
            data=self.form(report),
            headers={"Idempotency-Key": report.idempotency_key},
        )
        item = body[0] if isinstance(body, list) and body else body
        if not isinstance(item, dict):
            raise CRMUnavailable("CRM answered POST requests.json without a request")
        if item.get("service_request_id"):
            number = str(item["service_request_id"])
            return CRMTicket(tracking_number=number, crm_id=number, status="Menunggu")
        if item.get("token"):
            token = str(item["token"])
            with self._lock:
                self._tokens[report.idempotency_key] = token
            ticket = self._resolve_token(token)
            if ticket is not None:
                return ticket
            # Accepted but not yet a request (batch servers): retry later, lookup will find it.
            raise CRMUnavailable("CRM accepted the report; its number is not ready yet")
        raise CRMUnavailable("CRM answered POST requests.json without an id or token")

    def push(self, report: CRMReport) -> CRMTicket:
        """Create the ticket once; before any re-send look it up so no second ticket is made.

        A re-send is a retry inside this call, or a later call for a key whose push failed
        here or whose report says previous_attempts > 0 (the pipeline's actor-level retry).
        """

        key = report.idempotency_key
        with self._lock:
            uncertain = report.previous_attempts > 0 or key in self._uncertain

        def attempt(number: int) -> CRMTicket:
            if number > 0 or uncertain:
                found = self.lookup(key, reference=report.reference)
                if found is not None:
                    return found
            return self._post(report)

        try:
            ticket = retry_call(attempt, self.backoff)
        except CRMUnavailable:
            with self._lock:  # the next push of this key (actor retry) looks it up first
                self._uncertain.add(key)
            raise
        with self._lock:
            self._uncertain.discard(key)
        return ticket

    def _resolve_token(self, token: str) -> CRMTicket | None:
        response = self._call("GET", f"tokens/{token}.json", params=self._params())
        if response.status_code == 404:
            return None
        body = decoded(response) if response.status_code < 400 else []
        item = body[0] if isinstance(body, list) and body else {}
        number = str(item.get("service_request_id") or "")
        return CRMTicket(tracking_number=number, crm_id=number) if number else None

    def lookup(self, idempotency_key: str, reference: str = "") -> CRMTicket | None:
        """Find the ticket made for this key: by token if we hold one, else by our attributes.

        Filters other than the spec's are ignored by some servers, which then list recent
        requests: so every candidate's extended_attributes are checked here too.
        """
        with self._lock:
            token = self._tokens.get(idempotency_key)
        if token:
            ticket = self._resolve_token(token)
            if ticket is not None:
                return ticket
        params = self._params(idempotency_key=idempotency_key, reference=reference)
        try:
            items = self._json("GET", "requests.json", params=params)
        except CRMRejected:
            # A server refusing our filters cannot be searched; the re-sent POST then relies on
            # it honouring the Idempotency-Key header.
            return None
        for item in items:
            extended = item.get("extended_attributes") or {}
            if extended.get("idempotency_key") == idempotency_key:
                number = str(item["service_request_id"])
                return CRMTicket(tracking_number=number, crm_id=number, status=crm_status(item))
        return None

    def status_changes(self, after_seq: int) -> list[StatusChange]:
        """Updates after after_seq (mySociety servicerequestupdates; numeric update_id)."""
        items = self._json(
            "GET", "servicerequestupdates.json", params=self._params(after=after_seq)
        )
        changes = [
            StatusChange(
                tracking_number=str(item["service_request_id"]),
                status=str(item.get("crm_status") or crm_status(item)),
                changed_at=when(item["updated_datetime"]),
                note=str(item.get("description") or ""),
                photo_urls=list(
                    item.get("media_urls") or ([item["media_url"]] if item.get("media_url") else [])
                ),
                seq=int(item["update_id"]),
            )
            for item in items
        ]
        return sorted((c for c in changes if c.seq > after_seq), key=lambda c: c.seq)

    def track(self, tracking_number: str) -> TrackingInfo | None:
        """Public view by number; a 400 from the server carries the hint for a mistyped one."""
        number = "".join(tracking_number.split()).upper()
        if not number or not number.replace("-", "").isalnum():
            raise InvalidTrackingNumber("Nomor laporan hanya berisi huruf dan angka.")
        response = self._call("GET", f"requests/{number}.json", params=self._params())
        if response.status_code == 404:
            return None
        if response.status_code == 400:
            raise InvalidTrackingNumber(server_message(response))
        if response.status_code >= 400:
            raise CRMRejected(f"CRM answered {response.status_code}: {server_message(response)}")
        body = decoded(response)
        return to_tracking_info(body[0]) if body else None
