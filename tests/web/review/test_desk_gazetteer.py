"""/admin/api/gazetteer: typo-tolerant area lookup with Kemendagri codes, JSON and <option>s."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.web.review.test_desk import desk_login
from web.review.gazetteer import MAX_RESULTS, search


@pytest.mark.parametrize(
    ("typed", "code", "name"),
    [
        ("cideng", "31.71.01.1002", "Cideng"),
        ("cidng", "31.71.01.1002", "Cideng"),  # a letter missing
        ("kbn jeruk", "31.73.05.1001", "Kebon Jeruk"),  # SMS-style abbreviation
        ("tanjung priuk", "31.72.02.1001", "Tanjung Priok"),  # spelled as spoken
        ("Kramat Jati", "31.75.04.1001", "Kramatjati"),  # written apart
        ("pluit", "31.72.01.1005", "Pluit"),
    ],
)
def test_typos_find_the_kelurahan(typed: str, code: str, name: str) -> None:
    found = search(typed, "kelurahan")
    assert (found[0].code, found[0].name) == (code, name)


def test_a_kecamatan_lists_its_kelurahan_for_the_select() -> None:
    found = search("tebet", "kelurahan")
    assert {s.kecamatan_name for s in found} == {"Tebet"} and len(found) == 7
    assert found[0].label == "Kel. Tebet Barat, Kec. Tebet, Jakarta Selatan"


def test_kota_alias_and_result_cap() -> None:
    assert search("jaksel")[0].code == "31.74"
    assert len(search("jakarta", "kelurahan")) == MAX_RESULTS
    assert search("x") == [] and search("qqqqzz") == []


def test_json_answer_carries_codes(client: TestClient) -> None:
    desk_login(client)
    answer = client.get("/admin/api/gazetteer", params={"q": "menteng atas"}).json()
    first = answer["results"][0]
    assert first == {
        "code": "31.74.02.1005",
        "name": "Menteng Atas",
        "level": "kelurahan",
        "kecamatan_code": "31.74.02",
        "kecamatan_name": "Setiabudi",
        "kota_code": "31.74",
        "kota_name": "Jakarta Selatan",
        "postal_code": first["postal_code"],
        "label": "Kel. Menteng Atas, Kec. Setiabudi, Jakarta Selatan",
        "score": 100.0,
    }
    assert re.fullmatch(r"\d{5}", first["postal_code"])


def test_htmx_fragment_is_options_with_the_best_selected(client: TestClient) -> None:
    desk_login(client)
    fragment = client.get(
        "/admin/api/gazetteer", params={"q": "cideng"}, headers={"HX-Request": "true"}
    ).text
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', fragment)
    assert options[0] == ("", "", "Pilih kelurahan")
    assert options[1] == ("31.71.01.1002", " selected", "Kel. Cideng, Kec. Gambir, Jakarta Pusat")
    none = client.get("/admin/api/gazetteer", params={"q": "zzzz", "format": "html"}).text
    assert "Tidak ada yang cocok" in none
    cleared = client.get("/admin/api/gazetteer", params={"q": "", "format": "html"}).text
    for fragment in (none, cleared):  # the full list comes back, nothing chosen for the officer
        assert fragment.count('<option value="31.') == 267 and " selected" not in fragment
    assert "Pilih kelurahan" in cleared


def test_lookup_needs_a_login(client: TestClient) -> None:
    answer = client.get(
        "/admin/api/gazetteer", params={"q": "cideng"}, headers={"Accept": "application/json"}
    )
    assert answer.status_code == 401
