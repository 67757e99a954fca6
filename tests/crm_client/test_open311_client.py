"""Open311Client against the real crm_core served by uvicorn: idempotency, outages, dead letters."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest

from crm_client.base import CRMClient, CRMRejected, CRMUnavailable, InvalidTrackingNumber
from crm_client.open311 import Open311Client
from crm_client.retry import Backoff
from crm_core import tracking_numbers
from crm_core.api import create_app
from crm_core.serve import ServedApp, free_port

API_KEY = "kunci-uji-crm"  # the key served_core (conftest.py) is configured with

FAST = Backoff(attempts=3, base_s=0.01, cap_s=0.05)
PHOTO = "https://media.example.org/saluran-bersih.jpg"


def client_for(url: str, **kwargs) -> Open311Client:
    options = {"api_key": API_KEY, "jurisdiction_id": "jakarta.go.id", "backoff": FAST}
    options.update(kwargs)
    return Open311Client(url + "/open311/v2", **options)


class Flaky:
    """ASGI wrapper: counts POSTs; the first `slow` are answered late, the first `fail` with 503."""

    def __init__(self, app, slow: int = 0, fail: int = 0, delay_s: float = 1.0) -> None:
        self.app, self.slow, self.fail, self.delay_s = app, slow, fail, delay_s
        self.posts = 0
        self.lock = threading.Lock()

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] != "POST":
            return await self.app(scope, receive, send)
        with self.lock:
            self.posts += 1
            number = self.posts
        if number <= self.fail:
            await send(
                {
                    "type": "http.response.start",
                    "status": 503,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            return await send(
                {
                    "type": "http.response.body",
                    "body": b'[{"code":503,"description":"sedang pemeliharaan"}]',
                }
            )
        if number <= self.slow:

            async def late(message):
                if message["type"] == "http.response.start":
                    await asyncio.sleep(self.delay_s)  # the core already committed the ticket
                await send(message)

            return await self.app(scope, receive, late)
        return await self.app(scope, receive, send)


def test_is_a_crm_client(served_core):
    assert isinstance(client_for(served_core.url), CRMClient)


def test_push_twice_gives_one_ticket(core, served_core, report):
    client = client_for(served_core.url)
    first = client.push(report())
    assert first.status == "Menunggu"
    assert client.push(report()) == first
    assert client.lookup("intake:rpt-20261123-0042") == first
    stored = core.search(reference="rpt-20261123-0042")
    assert [r.tracking_number for r in stored] == [first.tracking_number]
    assert stored[0].kelurahan_name == "Bangka"
    assert stored[0].contact_phone == "+6281311112222"
    assert stored[0].photo_urls == ["https://media.example.org/genangan-kemang.jpg"]


def test_crm_timing_out_after_accepting_makes_no_second_ticket(core, report):
    flaky = Flaky(create_app(core, api_key=API_KEY), slow=1, delay_s=1.0)
    with ServedApp(flaky) as served:
        client = client_for(served.url, timeout_s=0.3)
        ticket = client.push(report())
    assert flaky.posts == 1  # the retry found the ticket by lookup instead of posting again
    stored = core.search(reference="rpt-20261123-0042")
    assert [r.tracking_number for r in stored] == [ticket.tracking_number]


def test_5xx_is_retried_until_the_crm_answers(core, report):
    flaky = Flaky(create_app(core, api_key=API_KEY), fail=2)
    with ServedApp(flaky) as served:
        ticket = client_for(served.url).push(report())
    assert flaky.posts == 3
    assert core.get(ticket.tracking_number).reference == "rpt-20261123-0042"


def test_crm_down_raises_unavailable_after_bounded_attempts(report):
    client = client_for(f"http://127.0.0.1:{free_port()}", timeout_s=0.5)
    with pytest.raises(CRMUnavailable, match="unreachable"):
        client.push(report())


def test_crm_down_for_good_gives_up_with_the_last_error(core, report):
    flaky = Flaky(create_app(core, api_key=API_KEY), fail=99)
    with (
        ServedApp(flaky) as served,
        pytest.raises(CRMUnavailable, match="503: sedang pemeliharaan"),
    ):
        client_for(served.url).push(report())
    assert flaky.posts == FAST.attempts
    assert core.search(reference="rpt-20261123-0042") == []


def test_unknown_service_code_is_rejected_with_the_crm_message(served_core, report):
    client = client_for(served_core.url)
    with pytest.raises(CRMRejected, match="service_code 'kebakaran' not found"):
        client.push(report(category="kebakaran"))


def test_service_code_mapping_routes_our_categories(core, served_core, report):
    client = client_for(served_core.url, service_codes={"got_mampet": "saluran_air"})
    ticket = client.push(report(category="got_mampet"))
    assert core.get(ticket.tracking_number).category == "saluran_air"


def test_wrong_api_key_is_rejected_not_retried(served_core, report):
    client = client_for(served_core.url, api_key="salah")
    with pytest.raises(CRMRejected, match="403: api_key is missing or wrong"):
        client.push(report())


def test_status_changes_and_tracking_over_http(core, served_core, report):
    client = client_for(served_core.url)
    number = client.push(report()).tracking_number
    officer = httpx.Client(base_url=served_core.url + "/crm/api/v1", headers={"X-API-Key": API_KEY})
    for status in ("Koordinasi", "Proses"):
        assert (
            officer.post(
                f"/requests/{number}/moves", json={"status": status, "officer": "admin.kel.bangka"}
            ).status_code
            == 200
        )
    moved = officer.post(
        f"/requests/{number}/moves",
        json={
            "status": "Tindak Lanjut",
            "officer": "sudin.sda.js",
            "note": "Saluran dibersihkan",
            "photo_urls": [PHOTO],
        },
    )
    assert moved.status_code == 200
    changes = client.status_changes(0)
    assert [(c.tracking_number, c.status) for c in changes] == [
        (number, "Koordinasi"),
        (number, "Proses"),
        (number, "Tindak Lanjut"),
    ]
    assert changes[-1].photo_urls == [PHOTO]
    assert client.status_changes(changes[-1].seq) == []
    info = client.track(number.lower())
    assert info.status == "Tindak Lanjut" and info.kelurahan_name == "Bangka"
    assert [e.status for e in info.history] == ["Menunggu", "Koordinasi", "Proses", "Tindak Lanjut"]
    assert info.history[-1].photo_urls == [PHOTO]


def test_mistyped_number_gets_the_hint_from_the_crm(served_core, report):
    client = client_for(served_core.url)
    number = client.push(report()).tracking_number
    typo = number[:-1] + ("2" if number[-1] != "2" else "3")
    with pytest.raises(InvalidTrackingNumber) as err:
        client.track(typo)
    assert "salah ketik" in err.value.hint
    assert client.track(tracking_numbers.display(tracking_numbers.generate())) is None
