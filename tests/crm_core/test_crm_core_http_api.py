"""The core's HTTP face over real HTTP: Open311 GeoReport v2 shapes, filters, errors, officer API."""

from __future__ import annotations

import httpx
import pytest

from crm_core import tracking_numbers
from crm_core.api import create_app
from crm_core.serve import ServedApp

KEY = "kunci-petugas"
FORM = {
    "api_key": KEY,
    "jurisdiction_id": "jakarta.go.id",
    "service_code": "sampah",
    "description": "Sampah menumpuk di pinggir Kali Ciliwung dekat Jembatan Kampung Melayu.",
    "lat": "-6.2247",
    "long": "106.8669",
    "address_string": "Jl. Jatinegara Barat, Kampung Melayu, Jatinegara",
    "first_name": "Budi",
    "phone": "+6281355556666",
    "media_url": "https://media.example.org/sampah-ciliwung.jpg",
    "attribute[kelurahan_code]": "31.75.01.1004",
    "attribute[kelurahan_name]": "Kampung Melayu",
    "attribute[reference]": "rpt-ciliwung-1",
}


@pytest.fixture
def api(core):
    app = create_app(core, api_key=KEY)
    with ServedApp(app) as served, httpx.Client(base_url=served.url) as http:
        yield http


def post(api, key="intake:rpt-ciliwung-1", **changes):
    return api.post(
        "/open311/v2/requests.json", data={**FORM, **changes}, headers={"Idempotency-Key": key}
    )


def test_services_list_the_categories_with_their_opd(api):
    services = api.get("/open311/v2/services.json").json()
    by_code = {s["service_code"]: s for s in services}
    assert by_code["jalan_rusak"]["group"] == "Dinas Bina Marga"
    assert by_code["sampah"]["type"] == "realtime"


def test_post_then_get_in_georeport_shape_without_contact_data(api):
    created = post(api)
    assert created.status_code == 201
    number = created.json()[0]["service_request_id"]
    assert post(api).json()[0]["service_request_id"] == number  # same Idempotency-Key
    assert post(api).status_code == 200
    got = api.get(f"/open311/v2/requests/{number}.json", params={"api_key": KEY})
    item = got.json()[0]
    assert item["status"] == "open"
    assert item["agency_responsible"] == "Dinas Lingkungan Hidup"
    assert item["lat"] == pytest.approx(-6.2247)
    assert item["extended_attributes"]["crm_status"] == "Menunggu"
    assert item["extended_attributes"]["kelurahan_name"] == "Kampung Melayu"
    assert item["requested_datetime"].endswith("+00:00")
    assert "Budi" not in got.text and "6281355556666" not in got.text


def test_search_defaults_to_the_last_90_days(core, clock, api):
    old = post(api).json()[0]["service_request_id"]
    clock.advance(days=91)
    new = post(api, key="intake:rpt-2").json()[0]["service_request_id"]
    listed = api.get("/open311/v2/requests.json", params={"api_key": KEY}).json()
    assert [item["service_request_id"] for item in listed] == [new]
    by_id = api.get("/open311/v2/requests.json", params={"api_key": KEY, "service_request_id": old})
    assert [item["service_request_id"] for item in by_id.json()] == [old]


def test_search_filters_by_open311_and_crm_status(api):
    number = post(api).json()[0]["service_request_id"]
    params = {"api_key": KEY}
    assert [
        i["service_request_id"]
        for i in api.get("/open311/v2/requests.json", params={**params, "status": "open"}).json()
    ] == [number]
    assert api.get("/open311/v2/requests.json", params={**params, "status": "closed"}).json() == []
    assert (
        api.get("/open311/v2/requests.json", params={**params, "crm_status": "Proses"}).json() == []
    )
    by_id = api.get("/open311/v2/requests.json", params={**params, "service_request_id": number})
    assert len(by_id.json()) == 1
    late = api.get(
        "/open311/v2/requests.json", params={**params, "start_date": "2099-01-01T00:00:00Z"}
    )
    assert late.json() == []


@pytest.mark.parametrize(
    ("changes", "status", "message"),
    [
        ({"service_code": "kebakaran"}, 400, "service_code 'kebakaran' not found"),
        ({"description": " "}, 400, "description is required"),
        (
            {"lat": "", "long": "", "address_string": "", "attribute[kelurahan_code]": ""},
            400,
            "a location is required",
        ),
        ({"lat": "utara"}, 400, "lat must be a decimal number"),
        ({"media_url": "ftp://media.example.org/x.jpg"}, 400, "foto harus berupa URL http(s)"),
        ({"attribute[kelurahan_name]": "K" * 121}, 400, "kelurahan_name is longer than 120"),
        ({"api_key": "salah"}, 403, "api_key is missing or wrong"),
        ({"jurisdiction_id": "bandung.go.id"}, 404, "jurisdiction_id"),
    ],
)
def test_errors_use_the_spec_shape(api, changes, status, message):
    response = post(api, **changes)
    assert response.status_code == status
    body = response.json()
    assert body[0]["code"] == status and message in body[0]["description"]


def test_mistyped_and_unknown_numbers(api):
    number = post(api).json()[0]["service_request_id"]
    typo = number[:-1] + ("2" if number[-1] != "2" else "3")
    bad = api.get(f"/open311/v2/requests/{typo}.json", params={"api_key": KEY})
    assert bad.status_code == 400 and "salah ketik" in bad.json()[0]["description"]
    unknown = tracking_numbers.display(tracking_numbers.generate())
    missing = api.get(f"/open311/v2/requests/{unknown}.json", params={"api_key": KEY})
    assert missing.status_code == 404
    assert missing.json() == [
        {"code": 404, "description": f"service_request_id {unknown} not found"}
    ]


def test_officer_api_needs_the_key_and_enforces_the_lifecycle(api):
    number = post(api).json()[0]["service_request_id"]
    move = {"status": "Koordinasi", "officer": "admin.kel.kampungmelayu"}
    assert api.post(f"/crm/api/v1/requests/{number}/moves", json=move).status_code == 401
    headers = {"Authorization": f"Bearer {KEY}"}
    assert (
        api.post(f"/crm/api/v1/requests/{number}/moves", json=move, headers=headers).status_code
        == 200
    )
    refused = api.post(
        f"/crm/api/v1/requests/{number}/moves",
        json={"status": "Selesai", "officer": "x"},
        headers=headers,
    )
    assert (
        refused.status_code == 409 and "yang boleh: Disposisi, Proses" in refused.json()["detail"]
    )
    shown = api.get(f"/crm/api/v1/requests/{number}", headers=headers).json()
    assert [e["status"] for e in shown["history"]] == ["Menunggu", "Koordinasi"]
    assert shown["history"][1]["officer"] == "admin.kel.kampungmelayu"
    updates = api.get("/open311/v2/servicerequestupdates.json", params={"api_key": KEY}).json()
    assert [(u["service_request_id"], u["crm_status"]) for u in updates] == [(number, "Koordinasi")]


def test_officer_api_is_closed_without_a_configured_key(core):
    with ServedApp(create_app(core)) as served:
        response = httpx.get(served.url + "/crm/api/v1/requests")
    assert response.status_code == 403
    assert "INTAKE_CRM__API_KEY" in response.json()["detail"]
