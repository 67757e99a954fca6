"""The public tracking page and JSON over real HTTP: timeline, photos, hints, no personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from crm_client.base import CRMReport, TrackingEvent, TrackingInfo
from crm_client.embedded import EmbeddedCRMClient
from crm_client.open311 import Open311Client
from crm_client.retry import Backoff
from crm_core import tracking_numbers
from crm_core.serve import ServedApp, free_port
from crm_core.service import CRMCore
from web.tracking import build_router, page_context, safe_photos

PHOTO = "https://media.example.org/pohon-dipangkas.jpg"
REPORT = CRMReport(
    idempotency_key="intake:rpt-pohon-7",
    reference="rpt-pohon-7",
    description="Pohon besar condong ke jalan di depan rumah Ibu Ani, Jl. Tebet Barat Dalam 4.",
    category="pohon",
    opd="Dinas Pertamanan dan Hutan Kota",
    channel="whatsapp",
    address="Jl. Tebet Barat Dalam 4 No. 12, Tebet Barat",
    kelurahan_code="31.74.01.1001",
    kelurahan_name="Tebet Barat",
    contact_name="Ani Lestari",
    contact_phone="+6281277778888",
    contact_email="ani@example.org",
)


def served(client) -> ServedApp:
    app = FastAPI()
    app.include_router(build_router(client))
    return ServedApp(app)


@pytest.fixture
def core(tmp_path) -> CRMCore:
    return CRMCore(f"sqlite:///{tmp_path / 'crm_core.db'}")


@pytest.fixture
def site(core):
    client = EmbeddedCRMClient(core)
    number = client.push(REPORT).tracking_number
    core.transition(
        number, "Koordinasi", officer="admin.kel.tebetbarat", note="Diteruskan ke Sudin Tamhut"
    )
    core.transition(number, "Proses", officer="sudin.tamhut.js")
    core.transition(
        number,
        "Tindak Lanjut",
        officer="sudin.tamhut.js",
        note="Dahan dipangkas <b>aman</b>",
        photo_urls=[PHOTO],
    )
    with served(client) as server, httpx.Client(base_url=server.url) as http:
        yield http, number


def test_page_shows_status_timeline_and_completion_photo(site):
    http, number = site
    page = http.get("/lacak", params={"nomor": number.lower().replace("-", "")})
    assert page.status_code == 200
    assert f"Laporan {number}" in page.text
    assert "Tindak Lanjut" in page.text and "Petugas sudah menindaklanjuti laporan." in page.text
    assert f'src="{PHOTO}"' in page.text
    assert "Tebet Barat (31.74.01.1001)" in page.text
    assert "Dahan dipangkas &lt;b&gt;aman&lt;/b&gt;" in page.text  # autoescaped
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_shareable_link_from_the_status_notice(site):
    http, number = site
    page = http.get(f"/lacak/{number}")
    assert page.status_code == 200 and f"Laporan {number}" in page.text
    assert f'value="{number}"' in page.text


def test_page_and_json_show_no_personal_data(site):
    http, number = site
    for text in (
        http.get("/lacak", params={"nomor": number}).text,
        http.get(f"/api/v1/tracking/{number}").text,
    ):
        for private in (
            "Ani",
            "6281277778888",
            "ani@example.org",
            "No. 12",
            "condong",
            "admin.kel.tebetbarat",
            "sudin.tamhut.js",
        ):
            assert private not in text


def test_json_twin(site):
    http, number = site
    body = http.get(f"/api/v1/tracking/{number}").json()
    assert body["tracking_number"] == number
    assert body["status"] == "Tindak Lanjut" and body["state"] == "open"
    assert [s["status"] for s in body["history"]] == [
        "Menunggu",
        "Koordinasi",
        "Proses",
        "Tindak Lanjut",
    ]
    assert body["history"][-1]["photo_urls"] == [PHOTO]


def test_mistyped_number_gets_a_hint(site):
    http, number = site
    typo = number[:-1] + ("2" if number[-1] != "2" else "3")
    response = http.get(f"/api/v1/tracking/{typo}")
    assert response.status_code == 400
    assert "salah ketik" in response.json()["hint"]
    page = http.get("/lacak", params={"nomor": "JK7M-29QX-O"})
    assert page.status_code == 400
    assert "angka 0 dan 1 atau huruf O, I dan L" in page.text


def test_overlong_number_gets_the_page_not_a_json_error(site):
    http, number = site
    pasted = f"{number} mohon dicek laporan saya tentang pohon tumbang kemarin sore"
    for page in (http.get("/lacak", params={"nomor": pasted}), http.get(f"/lacak/{pasted}")):
        assert page.status_code == 400
        assert page.headers["content-type"].startswith("text/html")
        assert "Nomor laporan terlalu panjang" in page.text and 'name="nomor"' in page.text
        assert "default-src 'none'" in page.headers["content-security-policy"]
    response = http.get(f"/api/v1/tracking/{pasted}")
    assert response.status_code == 400 and "terlalu panjang" in response.json()["hint"]


def test_unknown_number_is_404(site):
    http, _ = site
    unknown = tracking_numbers.display(tracking_numbers.generate())
    assert http.get(f"/api/v1/tracking/{unknown}").status_code == 404
    page = http.get("/lacak", params={"nomor": unknown})
    assert page.status_code == 404 and "tidak ditemukan" in page.text


def test_empty_form_and_stylesheet(site):
    http, _ = site
    form = http.get("/lacak")
    assert form.status_code == 200 and 'name="nomor"' in form.text
    assert http.get("/lacak/lacak.css").headers["content-type"].startswith("text/css")


def test_crm_down_says_try_later():
    dead = Open311Client(f"http://127.0.0.1:{free_port()}", backoff=Backoff(attempts=1))
    with served(dead) as server:
        response = httpx.get(f"{server.url}/api/v1/tracking/JK7M-29QX-4")
    assert response.status_code == 503
    assert "coba lagi nanti" in response.json()["detail"]


def test_only_web_photo_urls_reach_the_page():
    assert safe_photos(["javascript:alert(1)", PHOTO, "data:image/png;base64,AAAA"]) == [PHOTO]
    info = TrackingInfo(
        tracking_number="JK7M-29QX-4",
        status="Selesai",
        state="closed",
        created_at=datetime(2026, 11, 23, 2, 0, tzinfo=UTC),
        history=[
            TrackingEvent(
                status="Selesai",
                at=datetime(2026, 11, 24, 3, 30, tzinfo=UTC),
                photo_urls=["javascript:alert(1)"],
            )
        ],
        sla_flags=["penyelesaian"],
    )
    context = page_context(info)
    assert context["steps"][0]["photos"] == []
    assert context["steps"][0]["at"] == "24-11-2026 10:30 WIB"
    assert context["sla"] == ["Melewati batas waktu penyelesaian (7 hari)."]
