"""The dead-letters page: superadmins only, CSRF, retry/drop through the real pipeline, escaping."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from pipeline.db import session_scope
from pipeline.models import AuditAction, CRMPush, InboxMessage, OutboxReply, Report
from tests.pipeline.conftest import add_inbox, message, replies_file
from tests.web.review.conftest import add_user, csrf_token, logged_in, make_report, session_token
from web.review.auth import Role
from web.review.dead import age_text

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'
HTMX = {"HX-Request": "true"}
#: Every role but superadmin, with the area/channel/office that makes its account usable.
OTHERS = [
    (Role.ADMIN_WALIKOTA, {"kota_code": "31.74"}),
    (Role.ADMIN_KECAMATAN, {"kecamatan_code": "31.74.01"}),
    (Role.ADMIN_KELURAHAN, {"kelurahan_code": "31.74.01.1001"}),
    (Role.CHANNEL_ADMIN, {"channel": "twitter"}),
    (Role.DESK_STAFF, {"office": "kelurahan:31.74.01.1001"}),
]


def dead_push(error: str = "CRM answered 422: kategori tidak dikenal") -> Report:
    """A report the CRM refused, with its dead push row (as push_report leaves it)."""
    report = make_report("31.74.01.1001", channel="email", state="dead", reasons=["crm_rejected"])
    with session_scope() as session:
        session.add(
            CRMPush(
                report_id=report.id or 0,
                state="dead",
                attempts=1,
                idempotency_key=f"jakarta-intake:{report.reference}",
                last_error=error,
            )
        )
    return report


def _post(browser, path: str, headers: dict | None = None, **data: object):  # type: ignore[no-untyped-def]
    return browser.post(
        path,
        data={"csrf_token": session_token(browser), **data},
        headers=headers or {},
        follow_redirects=False,
    )


def _audit(action: str) -> list[AuditAction]:
    with session_scope() as session:
        return list(session.exec(select(AuditAction).where(AuditAction.action == action)))


@pytest.mark.parametrize(("role", "area"), OTHERS, ids=[r.value for r, _ in OTHERS])
def test_only_superadmins_open_or_act_on_dead_letters(client_factory, role, area) -> None:
    report = dead_push()
    add_user("other", role, **area)
    browser = logged_in(client_factory, "other")
    assert browser.get("/admin/dead").status_code == 403
    assert _post(browser, f"/admin/dead/push/{report.id}/retry").status_code == 403
    assert _post(browser, f"/admin/dead/push/{report.id}/drop", note="x").status_code == 403
    assert 'href="/admin/dead"' not in browser.get("/admin/").text


def test_dead_page_lists_kinds_counts_age_and_escapes_error_text(client_factory) -> None:
    report = dead_push(error=f"CRM answered 422: {HOSTILE}")
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    page = browser.get("/admin/dead")
    assert page.status_code == 200
    assert HOSTILE not in page.text and "&lt;script&gt;alert(" in page.text
    assert "onerror=alert(1)&gt;" in page.text
    assert report.reference in page.text and f'id="dead-push-{report.id}"' in page.text
    assert 'data-kind="push">1<' in page.text and 'href="/admin/dead"' in page.text
    assert "1 dari 1 surat mati" in page.text
    assert browser.get("/admin/dead?kind=push").status_code == 200
    assert browser.get("/admin/dead?kind=bogus").status_code == 404


def test_retry_and_drop_refuse_a_missing_or_foreign_csrf_token(client_factory) -> None:
    report = dead_push()
    add_user("root", Role.SUPERADMIN)
    add_user("root2", Role.SUPERADMIN)
    browser, other = logged_in(client_factory, "root"), logged_in(client_factory, "root2")
    path = f"/admin/dead/push/{report.id}/retry"
    assert browser.post(path, follow_redirects=False).status_code == 403
    foreign = {"csrf_token": session_token(other)}
    assert browser.post(path, data=foreign, follow_redirects=False).status_code == 403
    drop = f"/admin/dead/push/{report.id}/drop"
    assert browser.post(drop, data={"note": "x"}, follow_redirects=False).status_code == 403
    with session_scope() as session:
        assert session.get(Report, report.id).state == "dead"
    assert _audit("dead_retry") == [] and _audit("dead_drop") == []


def test_double_retry_of_a_refused_push_makes_one_ticket(client_factory, pipeline_env) -> None:
    report = dead_push()
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    path = f"/admin/dead/push/{report.id}/retry"
    first = _post(browser, path, HTMX)
    second = _post(browser, path, HTMX)  # the double click
    assert first.status_code == second.status_code == 200
    assert "dikirim ulang ke antrean" in first.text
    assert "sudah ditangani sebelumnya" in second.text
    assert 'hx-swap-oob="true"' in first.text and 'data-kind="push">0<' in first.text
    pipeline_env.drain()
    with session_scope() as session:
        pushed = session.get(Report, report.id)
        pushes = session.exec(select(func.count()).select_from(CRMPush)).one()
    assert pushed.state == "pushed" and pushed.tracking_number
    assert pushes == 1
    retries = _audit("dead_retry")
    assert len(retries) == 1 and retries[0].actor == "root (superadmin)"
    assert "dead-push-" not in browser.get("/admin/dead").text


def test_retry_of_a_failed_message_processes_it(client_factory, pipeline_env) -> None:
    with session_scope() as session:
        failed = add_inbox(session, message(channel="import"), state="failed")
        failed.error = "OperationalError: database is locked"
        failed.attempts = 5
        failed_id = failed.id
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    assert "database is locked" in browser.get("/admin/dead?kind=message").text
    answer = _post(browser, f"/admin/dead/message/{failed_id}/retry")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/admin/dead?kind=message&done=retried"
    pipeline_env.drain()
    with session_scope() as session:
        row = session.get(InboxMessage, failed_id)
        assert row.state == "processed" and row.report_id is not None
    assert "dikirim ulang ke antrean" in browser.get(answer.headers["location"]).text


def test_retry_of_a_dead_reply_sends_it_once(client_factory, pipeline_env) -> None:
    report = make_report("31.74.01.1001", channel="import", state="pushed", tracking_number="1")
    with session_scope() as session:
        reply = OutboxReply(
            dedupe_key=f"report:{report.id}:confirmation",
            report_id=report.id,
            kind="confirmation",
            channel="import",
            recipient="warga1",
            reply_context={},
            text="Terima kasih, laporan Anda kami terima.",
            state="dead",
            attempts=6,
            last_error="TemporarilyUnavailable: provider down",
        )
        session.add(reply)
        session.flush()
        reply_id = reply.id
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    for _ in range(2):
        _post(browser, f"/admin/dead/reply/{reply_id}/retry", HTMX)
    pipeline_env.drain()
    with session_scope() as session:
        assert session.get(OutboxReply, reply_id).state == "sent"
    sent = replies_file(pipeline_env).read_text(encoding="utf-8").splitlines()
    assert len([line for line in sent if "laporan Anda kami terima" in line]) == 1
    assert len(_audit("dead_retry")) == 1


def test_drop_needs_a_note_and_is_audited(client_factory) -> None:
    report = dead_push()
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    path = f"/admin/dead/push/{report.id}/drop"
    assert _post(browser, path, HTMX, note="   ").status_code == 422
    dropped = _post(browser, path, HTMX, note="kategori sudah tidak dipakai CRM")
    assert "dibuang; tercatat di log audit" in dropped.text
    again = _post(browser, path, HTMX, note="lagi")
    assert "sudah ditangani sebelumnya" in again.text
    (entry,) = _audit("dead_drop")
    assert entry.note == "kategori sudah tidak dipakai CRM" and entry.report_id == report.id
    assert f'id="dead-push-{report.id}"' not in browser.get("/admin/dead").text
    with session_scope() as session:  # off the superadmin's queue and the dead counts too
        assert session.get(Report, report.id).state == "rejected"


def test_malformed_messages_are_dropped_not_retried(client_factory) -> None:
    with session_scope() as session:
        bad = add_inbox(session, message(channel="twilio"), state="malformed")
        bad.error = f"no Body and no MediaUrl0 {HOSTILE}"
        bad_id = bad.id
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    page = browser.get("/admin/dead?kind=malformed").text
    assert f"/admin/dead/malformed/{bad_id}/retry" not in page and "intake replay" in page
    assert HOSTILE not in page
    refused = _post(browser, f"/admin/dead/malformed/{bad_id}/retry", HTMX)
    assert "tidak bisa dikirim ulang" in refused.text
    with session_scope() as session:
        assert session.get(InboxMessage, bad_id).state == "malformed"
    token = csrf_token(page)
    answer = browser.post(
        f"/admin/dead/malformed/{bad_id}/drop",
        data={"csrf_token": token, "note": "spam"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    with session_scope() as session:
        assert session.get(InboxMessage, bad_id).state == "ignored"


def test_age_reads_in_minutes_hours_and_days() -> None:
    assert age_text("id", 59) == "0 m"
    assert age_text("id", 3 * 3600 + 12 * 60) == "3 j 12 m"
    assert age_text("en", 2 * 86400 + 4 * 3600) == "2 d 4 h"


def test_error_texts_show_no_phone_email_or_nik(client_factory) -> None:
    report = make_report("31.74.01.1001", channel="twilio", state="pushed", tracking_number="7")
    with session_scope() as session:
        session.add(
            OutboxReply(
                dedupe_key=f"report:{report.id}:confirmation",
                report_id=report.id,
                kind="confirmation",
                channel="twilio",
                recipient="whatsapp:+6281234567890",
                reply_context={},
                text="Laporan Anda kami terima.",
                state="dead",
                attempts=1,
                last_error="Twilio 21211: The 'To' number whatsapp:+6281234567890 is not a "
                "valid phone number (budi.santoso@gmail.com, NIK 3174015001900001)",
            )
        )
    add_user("root", Role.SUPERADMIN)
    page = logged_in(client_factory, "root").get("/admin/dead?kind=reply").text
    assert "Twilio 21211: The &#39;To&#39; number whatsapp:[phone] is not a valid" in page
    for personal in ("6281234567890", "budi.santoso", "3174015001900001"):
        assert personal not in page
