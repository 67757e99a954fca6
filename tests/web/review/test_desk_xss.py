"""Stored and reflected XSS through every desk field: receipt, search, re-rendered form, gazetteer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from markupsafe import escape
from sqlmodel import select

from pipeline.models import Report
from tests.conftest import PipelineEnv
from tests.web.review.conftest import add_user, login
from tests.web.review.test_desk import _fields, desk_login, post_form
from web.review.auth import Role

PAYLOADS = {
    "description": 'Jalan rusak parah <script>alert("desk")</script> mohon segera',
    "street": 'Jl. Mawar"><img src=x onerror=alert(1)>',
    "landmark": "</dd><svg onload=alert(2)>",
}
OFFICE_PAYLOAD = "loket<script>alert(3)</script>"
MARKUP = ("<script>alert", "<img src=x", "<svg onload", "onerror=alert(1)>")


def _assert_inert(page: str) -> None:
    for raw in MARKUP:
        assert raw not in page, raw


def test_hostile_desk_fields_are_escaped_on_receipt_and_search(
    client: TestClient, pipeline_env: PipelineEnv
) -> None:
    add_user("super", Role.SUPERADMIN)
    login(client, "super")
    answer = post_form(client, _fields() | PAYLOADS | {"office": OFFICE_PAYLOAD})
    assert answer.status_code == 303
    receipt_url = answer.headers["location"]
    pipeline_env.drain()
    with pipeline_env.session() as session:
        report = session.exec(select(Report)).one()

    receipt = client.get(receipt_url).text
    _assert_inert(receipt)
    assert str(escape(PAYLOADS["description"])) in receipt
    assert "&lt;img src=x onerror=alert(1)&gt;" in receipt
    assert "loket&lt;script&gt;alert(3)&lt;/script&gt;" in receipt
    _assert_inert(client.get(receipt_url + "/status").text)

    search = client.get("/admin/desk/search", params={"q": report.reference}).text
    _assert_inert(search)
    assert "&lt;script&gt;alert(&#34;desk&#34;)&lt;/script&gt;" in search


def test_reflected_values_are_escaped_when_the_form_comes_back(client: TestClient) -> None:
    desk_login(client)
    hostile = '"><script>alert(4)</script>'
    fields = _fields() | {"citizen_name": hostile, "phone": hostile, "email": hostile}
    page = post_form(client, fields | {"street": hostile, "landmark": hostile}).text
    _assert_inert(page)
    assert 'value="&#34;&gt;&lt;script&gt;alert(4)&lt;/script&gt;"' in page


def test_search_query_and_gazetteer_are_escaped(client: TestClient) -> None:
    desk_login(client)
    _assert_inert(client.get("/admin/desk/search", params={"q": "<script>alert(5)</script>"}).text)
    fragment = client.get(
        "/admin/api/gazetteer", params={"q": "<img src=x onerror=alert(1)>", "format": "html"}
    )
    _assert_inert(fragment.text)
    json_answer = client.get("/admin/api/gazetteer", params={"q": "<script>alert(6)</script>"})
    assert json_answer.headers["content-type"] == "application/json"


def test_pages_carry_a_script_blocking_csp(client: TestClient) -> None:
    desk_login(client)
    csp = client.get("/admin/desk").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
