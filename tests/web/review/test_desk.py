"""The walk-in desk over HTTP: submit -> real pipeline -> receipt with the tracking number."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from pipeline.models import InboxMessage, Report
from tests.conftest import PipelineEnv
from tests.connectors.walkin.conftest import desk_fields, jpeg_with_gps, scanned_letter_pdf
from tests.web.review.conftest import add_user, csrf_token, login
from web.app import create_app
from web.review.auth import Role

OFFICE = "kelurahan:31.74.03.1002"
_FORM_TOKEN = re.compile(r'name="token" value="([^"]+)"')


def desk_login(client: TestClient, username: str = "loket.bangka", office: str = OFFICE) -> None:
    """A desk staff account of `office`, logged in on `client`."""
    add_user(username, Role.DESK_STAFF, office=office, display_name="Petugas Loket")
    login(client, username)


def post_form(
    client: TestClient, fields: dict[str, str], files: list | None = None, **headers: str
):  # type: ignore[no-untyped-def]
    """GET the form for its CSRF and idempotency tokens, then POST like the browser does."""
    page = client.get("/admin/desk")
    data = {"csrf_token": csrf_token(page.text)} | fields
    data.setdefault("token", _FORM_TOKEN.search(page.text).group(1))  # type: ignore[union-attr]
    return client.post(
        "/admin/desk", data=data, files=files or [], headers=headers, follow_redirects=False
    )


def _fields() -> dict[str, str]:
    fields = desk_fields()
    del fields["token"]  # the page issues it
    return fields


def test_walk_in_report_gets_a_receipt_with_the_tracking_number(
    client: TestClient, pipeline_env: PipelineEnv
) -> None:
    desk_login(client)
    fields = _fields() | {"phone": "0812-3456-7890", "consent": "on"}
    answer = post_form(
        client, fields, [("photos", ("IMG_0412.JPG", jpeg_with_gps(), "image/jpeg"))]
    )
    assert answer.status_code == 303
    receipt_url = answer.headers["location"]
    pipeline_env.drain()

    with pipeline_env.session() as session:
        report = session.exec(select(Report)).one()
    assert report.state == "pushed" and report.tracking_number
    page = client.get(receipt_url)
    assert page.status_code == 200
    assert report.reference in page.text and report.tracking_number in page.text
    assert "Kantor Kelurahan Bangka" in page.text
    assert "+62812*****890" in page.text and "+6281234567890" not in page.text
    assert "1 foto, 0 berkas surat" in page.text
    fragment = client.get(receipt_url + "/status", headers={"HX-Request": "true"})
    assert f"http://127.0.0.1:8000/lacak/{report.tracking_number}" in fragment.text
    assert "hx-trigger" not in fragment.text  # settled: the receipt stops polling


def test_receipt_polls_until_the_report_is_pushed(
    client: TestClient, pipeline_env: PipelineEnv
) -> None:
    desk_login(client)
    pipeline_env.worker.pause()  # the queue is busy: nothing is processed yet
    try:
        receipt_url = post_form(client, _fields()).headers["location"]
        waiting = client.get(receipt_url + "/status")
        assert 'hx-trigger="every 3s"' in waiting.text and "Sedang diproses" in waiting.text
    finally:
        pipeline_env.worker.resume()
    pipeline_env.drain()
    assert 'hx-trigger="every 3s"' not in client.get(receipt_url + "/status").text


def test_receipt_stops_polling_when_the_message_failed(
    client: TestClient, pipeline_env: PipelineEnv
) -> None:
    desk_login(client)
    pipeline_env.worker.pause()
    try:
        receipt_url = post_form(client, _fields()).headers["location"]
        with pipeline_env.session() as session:  # what record_failure leaves after five tries
            inbox = session.exec(select(InboxMessage)).one()
            inbox.state = "failed"
            session.add(inbox)
            session.commit()
        status = client.get(receipt_url + "/status").text
    finally:
        pipeline_env.worker.resume()
    assert "hx-trigger" not in status and "belum dapat diteruskan" in status


def test_double_submit_is_stored_once(client: TestClient, pipeline_env: PipelineEnv) -> None:
    desk_login(client)
    page = client.get("/admin/desk")
    data = _fields() | {
        "csrf_token": csrf_token(page.text),
        "token": _FORM_TOKEN.search(page.text).group(1),  # type: ignore[union-attr]
    }
    first = client.post("/admin/desk", data=data, follow_redirects=False)
    second = client.post("/admin/desk", data=data, follow_redirects=False)
    pipeline_env.drain()
    assert first.headers["location"] == second.headers["location"]
    with pipeline_env.session() as session:
        assert len(session.exec(select(InboxMessage)).all()) == 1
        assert len(session.exec(select(Report)).all()) == 1


def test_mistakes_are_shown_with_the_entered_values_but_not_the_nik(client: TestClient) -> None:
    desk_login(client)
    fields = _fields() | {"citizen_name": "Budi Santoso", "nik": "3174034507880003"}
    answer = post_form(client, fields)
    assert answer.status_code == 422
    assert "Nama dan kontak hanya disimpan dengan persetujuan warga" in answer.text
    assert 'value="Budi Santoso"' in answer.text
    assert "3174034507880003" not in answer.text
    assert 'aria-invalid="true" aria-describedby="e-consent"' in answer.text


def test_oversized_upload_is_refused_with_a_clear_message(
    client: TestClient, pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    desk_login(client)
    monkeypatch.setattr(pipeline_env.settings.walkin, "max_photo_bytes", 5_000)
    answer = post_form(
        client, _fields(), [("photos", ("besar.jpg", jpeg_with_gps(), "image/jpeg"))]
    )
    assert answer.status_code == 422
    assert re.search(
        r"Berkas besar\.jpg terlalu besar \(\d+,\d MB; paling besar 0,0 MB\)", answer.text
    )
    huge = {"content-length": str(10**9)}
    assert post_form(client, _fields(), **huge).status_code == 413


def test_letter_scan_is_downloadable_only_at_its_desk(
    client: TestClient, client_factory, pipeline_env: PipelineEnv
) -> None:  # type: ignore[no-untyped-def]
    desk_login(client)
    pdf = scanned_letter_pdf()
    fields = _fields() | {"letter_kind": "surat_gubernur"}
    receipt_url = post_form(
        client, fields, [("scans", ("surat.pdf", pdf, "application/pdf"))]
    ).headers["location"]
    document = client.get(receipt_url + "/documents/0")
    assert document.content == pdf and document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment;")
    other = client_factory()
    desk_login(other, "loket.cideng", office="kelurahan:31.71.01.1002")
    assert other.get(receipt_url + "/documents/0").status_code == 404
    pipeline_env.drain()
    reviewer, outsider = client_factory(), client_factory()
    add_user("admin.bangka", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.03.1002")
    add_user("admin.cideng", Role.ADMIN_KELURAHAN, kelurahan_code="31.71.01.1002")
    login(reviewer, "admin.bangka")
    login(outsider, "admin.cideng")
    assert reviewer.get(receipt_url + "/documents/0").content == pdf  # reviewing the report
    assert outsider.get(receipt_url + "/documents/0").status_code == 404


def test_desk_staff_see_only_their_office(
    client: TestClient, client_factory, pipeline_env: PipelineEnv
) -> None:  # type: ignore[no-untyped-def]
    desk_login(client)
    receipt_url = post_form(client, _fields()).headers["location"]
    pipeline_env.drain()
    with pipeline_env.session() as session:
        report = session.exec(select(Report)).one()

    found = client.get(f"/admin/desk/search?q={report.tracking_number}").text
    assert report.reference in found and "sudah di CRM" in found and "Menunggu" in found
    assert report.reference in client.get(f"/admin/desk/search?q= {report.reference.lower()} ").text

    other = client_factory()
    desk_login(other, "loket.cideng", office="kelurahan:31.71.01.1002")
    assert other.get(receipt_url).status_code == 404
    found = other.get(f"/admin/desk/search?q={report.tracking_number}")
    assert report.reference not in found.text and "Tidak ada laporan" in found.text

    reviewer = client_factory()
    add_user("admin.bangka", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.03.1002")
    login(reviewer, "admin.bangka")
    assert reviewer.get("/admin/desk").status_code == 403
    assert reviewer.get(receipt_url).status_code == 403

    boss = client_factory()
    add_user("super", Role.SUPERADMIN)
    login(boss, "super")
    assert report.tracking_number in boss.get(receipt_url).text


def test_post_without_csrf_token_is_refused(client: TestClient, pipeline_env: PipelineEnv) -> None:
    desk_login(client)
    page = client.get("/admin/desk")
    data = _fields() | {"token": _FORM_TOKEN.search(page.text).group(1)}  # type: ignore[union-attr]
    assert client.post("/admin/desk", data=data, follow_redirects=False).status_code == 403
    with pipeline_env.session() as session:
        assert session.exec(select(InboxMessage)).all() == []


def test_form_requires_login(client: TestClient) -> None:
    answer = client.get("/admin/desk", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/admin/login")


def test_english_toggle_translates_the_desk_but_not_the_citizens_receipt(
    client: TestClient, pipeline_env: PipelineEnv
) -> None:
    desk_login(client)
    client.get("/admin/lang", params={"to": "en", "next": "/admin/desk"})
    form = client.get("/admin/desk").text
    assert "Walk-in desk" in form and "Submit report" in form and "Loket pengaduan" not in form
    receipt_url = post_form(client, _fields()).headers["location"]
    pipeline_env.drain()
    receipt = client.get(receipt_url).text
    assert "Print receipt" in receipt  # the officer's buttons follow the toggle
    assert "Tanda Terima Pengaduan" in receipt and "Nomor laporan" in receipt  # the citizen's copy


@pytest.mark.postgres
def test_desk_flow_and_office_scope_on_postgresql(pg_redis_env: PipelineEnv) -> None:
    """The office lives in the stored JSON: the scope's JSON path must hold on PostgreSQL too."""
    app = create_app(pg_redis_env.settings)
    with (
        TestClient(app, base_url="https://testserver", headers={"Accept": "text/html"}) as desk,
        TestClient(app, base_url="https://testserver", headers={"Accept": "text/html"}) as other,
    ):
        desk_login(desk)
        desk_login(other, "loket.cideng", office="kelurahan:31.71.01.1002")
        receipt_url = post_form(desk, _fields()).headers["location"]
        pg_redis_env.drain()
        with pg_redis_env.session() as session:
            report = session.exec(select(Report)).one()
        assert report.state == "pushed"
        assert report.tracking_number in desk.get(receipt_url).text
        search = f"/admin/desk/search?q={report.tracking_number}"
        assert report.reference in desk.get(search).text
        assert report.reference not in other.get(search).text
        assert other.get(receipt_url).status_code == 404
