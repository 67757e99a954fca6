"""Hostile citizen text is shown, never run; the queue filters, orders and counts down."""

from __future__ import annotations

from datetime import timedelta

from pipeline.db import session_scope
from pipeline.models import Report, utcnow
from tests.web.review.conftest import add_user, logged_in, make_report, session_token
from web.review.auth import Role

SCRIPT = "<script>alert('xss')</script>"
IMG = '"><img src=x onerror=alert(1)>'


def _age(report: Report, hours: float) -> None:
    with session_scope() as session:
        row = session.get(Report, report.id)
        row.state_changed_at = utcnow() - timedelta(hours=hours)
        session.add(row)


def test_stored_xss_in_citizen_text_and_names_is_escaped_everywhere(client_factory) -> None:
    add_user("super", Role.SUPERADMIN)
    add_user("ani", Role.SUPERADMIN, display_name=f"Ani {SCRIPT}")
    report = make_report(
        description=f"Banjir setinggi lutut {SCRIPT} di Jl. Tebet Timur {IMG}",
        address_text=f"Jl. Tebet Timur Dalam {IMG}",
        street=f"Gg. {SCRIPT}",
        landmark=IMG,
    )
    ani = logged_in(client_factory, "ani")
    ani.post(f"/admin/reports/{report.id}/claim", data={"csrf_token": session_token(ani)})
    browser = logged_in(client_factory, "super")
    edited = ani.post(
        f"/admin/reports/{report.id}/edit",
        data={"csrf_token": session_token(ani), "street": report.street, "rt_rw": SCRIPT},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    pages = {
        "queue": browser.get("/admin/").text,
        "rows": browser.get("/admin/queue/rows").text,
        "report": browser.get(f"/admin/reports/{report.id}").text,
        "audit": browser.get("/admin/audit").text,
        "own": ani.get(f"/admin/reports/{report.id}").text,  # her own name in the header
    }
    for name, html in pages.items():
        assert "<script>alert" not in html, name
        assert "<img src=x" not in html, name
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html, name
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in pages["report"]


def test_queue_is_oldest_first_with_sla_deadline_and_filters(client_factory) -> None:
    add_user("super", Role.SUPERADMIN)
    newer = make_report(
        channel="email", reasons=["missing_photo"], description="Sampah menumpuk di pasar"
    )
    older = make_report(
        channel="twitter", reasons=["ambiguous_location"], description="Pohon tumbang"
    )
    gambir = make_report(
        "31.71.01.1001", channel="email", reasons=["emergency"], description="Kabel listrik putus"
    )
    _age(newer, 1)
    _age(older, 7)
    _age(gambir, 3)
    browser = logged_in(client_factory, "super")
    page = browser.get("/admin/").text
    assert page.index(older.reference) < page.index(gambir.reference) < page.index(newer.reference)
    assert 'class="sla-late"' in page  # 7 h waiting: past the 6-hour target
    assert '<option value="31.71">Jakarta Pusat</option>' in page
    assert '<option value="31.74.01">— Tebet</option>' in page
    assert "data-deadline=" in page

    def rows(**params: str) -> str:
        return browser.get("/admin/queue/rows", params=params).text

    assert older.reference in rows(reason="ambiguous_location")
    assert newer.reference not in rows(reason="ambiguous_location")
    assert rows(channel="email").count('<tr id="report-') == 2
    assert gambir.reference in rows(area="31.71") and older.reference not in rows(area="31.71")
    assert older.reference in rows(area="31.74.01.1001")
    filtered = browser.get("/admin/queue/rows", params={"channel": "email", "age": "6", "x": "1"})
    assert filtered.headers["HX-Replace-Url"] == "/admin/?channel=email&age=6"
    assert older.reference not in browser.get("/admin/?channel=email").text  # a reload keeps them
    assert rows(age="6").count('<tr id="report-') == 1
    assert (
        rows(reason="%").count('<tr id="report-') == 3
    )  # a malformed filter is ignored, not injected


def test_htmx_requests_without_a_session_are_redirected_by_header(client_factory) -> None:
    anonymous = client_factory()
    answer = anonymous.get("/admin/queue/rows", headers={"HX-Request": "true"})
    assert answer.status_code == 401 and answer.headers["HX-Redirect"] == "/admin/login"


def test_desk_staff_land_on_the_desk_and_cannot_open_the_queue_rows(client_factory) -> None:
    add_user("loket", Role.DESK_STAFF, office="kel-tebet-timur")
    browser = logged_in(client_factory, "loket")
    home = browser.get("/admin/", follow_redirects=False)
    assert home.status_code == 303 and home.headers["location"] == "/admin/desk"
    assert browser.get("/admin/queue/rows").status_code == 403
    assert browser.get("/admin/audit").status_code == 403


def test_only_checked_photos_inside_the_media_folder_are_served(
    client_factory, pipeline_env
) -> None:
    from pipeline.models import Attachment

    add_user("super", Role.SUPERADMIN)
    report = make_report()
    media = pipeline_env.var_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    (media / "bersih.jpg").write_bytes(b"\xff\xd8\xffjpeg-without-exif")
    secret = pipeline_env.var_dir / "review_secret"
    secret.write_text("rahasia")
    rows = {
        "ok": {"path": str(media / "bersih.jpg"), "sha256": "a" * 64},
        "rejected": {
            "path": str(media / "bersih.jpg"),
            "sha256": "",
            "rejected_reason": "not an image",
        },
        "unchecked": {"path": str(media / "bersih.jpg"), "sha256": ""},
        "outside": {"path": str(secret), "sha256": "b" * 64},
        "climb": {"path": str(media / ".." / "review_secret"), "sha256": "c" * 64},
    }
    ids = {}
    with session_scope() as session:
        for position, (name, values) in enumerate(rows.items()):
            row = Attachment(
                inbox_message_id=report.inbox_message_id,
                report_id=report.id,
                position=position,
                content_type="image/jpeg",
                **values,
            )
            session.add(row)
            session.flush()
            ids[name] = row.id
    browser = logged_in(client_factory, "super")
    ok = browser.get(f"/admin/attachments/{ids['ok']}")
    assert ok.status_code == 200 and ok.content == b"\xff\xd8\xffjpeg-without-exif"
    assert ok.headers["content-type"] == "image/jpeg"
    for name in ("rejected", "unchecked", "outside", "climb"):
        assert browser.get(f"/admin/attachments/{ids[name]}").status_code == 404, name
    page = browser.get(f"/admin/reports/{report.id}").text
    assert f"/admin/attachments/{ids['ok']}" in page
    assert f"/admin/attachments/{ids['rejected']}" not in page


def test_browsers_get_an_error_page_and_api_clients_json(client_factory) -> None:
    add_user("lurah", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.01.1001")
    browser = logged_in(client_factory, "lurah")
    elsewhere = make_report("31.71.01.1001")
    page = browser.get(f"/admin/reports/{elsewhere.id}")
    assert page.status_code == 404 and "Halaman atau laporan tidak ditemukan." in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    api = browser.get(f"/admin/reports/{elsewhere.id}", headers={"Accept": "application/json"})
    assert api.status_code == 404 and api.json() == {"detail": "report not found"}
    expired = browser.post(f"/admin/reports/{elsewhere.id}/approve", data={"csrf_token": "x.y"})
    assert expired.status_code == 403 and "Formulir kedaluwarsa" in expired.text
