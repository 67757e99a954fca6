"""Review actions end to end on the server: push, merge, ask, reject, retry, audit, claims, CSRF."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from pipeline.db import session_scope
from pipeline.models import AuditAction, CRMPush, OutboxReply, Report, ReportFollower, utcnow
from tests.web.review.conftest import add_user, logged_in, make_report, session_token
from web.review.auth import Role
from web.review.models import ReportClaim


def _post(browser, path: str, **data: object):
    return browser.post(
        path, data={"csrf_token": session_token(browser), **data}, follow_redirects=False
    )


def _report(report_id: int) -> Report:
    with session_scope() as session:
        return session.get(Report, report_id)


def _replies(report_id: int) -> list[OutboxReply]:
    with session_scope() as session:
        return list(session.exec(select(OutboxReply).where(OutboxReply.report_id == report_id)))


def _audit(report_id: int) -> list[AuditAction]:
    with session_scope() as session:
        return list(session.exec(select(AuditAction).where(AuditAction.report_id == report_id)))


def test_edit_then_approve_reaches_the_crm_with_a_tracking_number(
    client_factory, pipeline_env
) -> None:
    add_user("camat", Role.ADMIN_KECAMATAN, kecamatan_code="31.74.01")
    browser = logged_in(client_factory, "camat")
    report = make_report("31.74.01.1001", channel="email", reasons=["ambiguous_location"])
    edited = _post(
        browser,
        f"/admin/reports/{report.id}/edit",
        description="Jalan berlubang di Jl. Tebet Barat Dalam Raya depan masjid",
        street="Jl. Tebet Barat Dalam Raya",
        rt_rw="RT 05/RW 02",
        kelurahan_code="31.74.01.1002",
        category="jalan_rusak",
    )
    assert edited.status_code == 303
    assert _post(browser, f"/admin/reports/{report.id}/approve").status_code == 303
    pipeline_env.drain()
    pushed = _report(report.id)
    assert pushed.state == "pushed" and pushed.tracking_number
    assert pushed.kelurahan_name == "Tebet Barat" and pushed.location_source == "admin"
    page = browser.get(f"/admin/reports/{report.id}").text
    assert pushed.tracking_number in page
    confirmation = [r for r in _replies(report.id) if r.kind == "confirmation"]
    assert confirmation and pushed.tracking_number in confirmation[0].text
    actions = {a.action: a for a in _audit(report.id)}
    assert actions["edit"].before["kelurahan_code"] == "31.74.01.1001"
    assert actions["edit"].after["kelurahan_code"] == "31.74.01.1002"
    assert actions["edit"].after["street"] == "Jl. Tebet Barat Dalam Raya"
    assert "description" in actions["edit"].after
    assert actions["approve"].after == {"state": "ready"}
    assert actions["approve"].actor.startswith("camat")


def test_merge_links_follower_and_tells_the_citizen_the_original_number(client_factory) -> None:
    add_user("lurah", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.01.1001")
    browser = logged_in(client_factory, "lurah")
    original = make_report(
        "31.74.01.1001", channel="email", state="pushed", tracking_number="2611230001"
    )
    dupe = make_report("31.74.01.1001", channel="email", reasons=["possible_duplicate"])
    assert original.reference in browser.get(f"/admin/reports/{dupe.id}").text  # a candidate
    assert (
        _post(browser, f"/admin/reports/{dupe.id}/merge", original=original.reference).status_code
        == 303
    )
    merged = _report(dupe.id)
    assert merged.state == "duplicate" and merged.duplicate_of == original.id
    with session_scope() as session:
        follower = session.exec(
            select(ReportFollower).where(ReportFollower.report_id == original.id)
        ).one()
    assert follower.inbox_message_id == dupe.inbox_message_id
    [reply] = _replies(dupe.id)
    assert reply.kind == "duplicate" and "2611230001" in reply.text
    assert _audit(dupe.id)[0].after["duplicate_of"] == original.id


def test_merge_into_itself_or_a_closed_report_is_refused(client_factory) -> None:
    add_user("super", Role.SUPERADMIN)
    browser = logged_in(client_factory, "super")
    report = make_report()
    rejected = make_report(state="rejected")
    for target in (report.reference, rejected.reference, "IN-TIDAKADA"):
        answer = _post(browser, f"/admin/reports/{report.id}/merge", original=target)
        assert answer.status_code == 422
        assert "Laporan asli tidak ditemukan" in answer.text
    assert _report(report.id).state == "needs_review"


def test_request_info_asks_the_citizen_and_waits(client_factory) -> None:
    add_user("super", Role.SUPERADMIN)
    browser = logged_in(client_factory, "super")
    report = make_report(channel="email", reasons=["missing_photo"])
    assert (
        _post(
            browser, f"/admin/reports/{report.id}/request-info", ask=["photo", "address_detail"]
        ).status_code
        == 303
    )
    waiting = _report(report.id)
    assert waiting.state == "needs_info" and waiting.needs_info_until > utcnow()
    [reply] = _replies(report.id)
    assert reply.kind == "needs_info"
    assert "foto kondisi di lokasi" in reply.text and "detail alamat" in reply.text


def test_reject_tells_the_citizen_why(client_factory) -> None:
    add_user("super", Role.SUPERADMIN)
    browser = logged_in(client_factory, "super")
    report = make_report(channel="email")
    assert (
        _post(browser, f"/admin/reports/{report.id}/reject", reason="outside_jakarta").status_code
        == 303
    )
    assert _report(report.id).state == "rejected"
    [reply] = _replies(report.id)
    assert "lokasi berada di luar wilayah DKI Jakarta" in reply.text
    assert _audit(report.id)[0].after == {"state": "rejected", "reason": "outside_jakarta"}


def test_dead_report_retried_by_a_superadmin_reaches_the_crm(client_factory, pipeline_env) -> None:
    add_user("super", Role.SUPERADMIN)
    browser = logged_in(client_factory, "super")
    report = make_report(channel="email", state="dead", reasons=["crm_rejected"])
    with session_scope() as session:
        session.add(
            CRMPush(
                report_id=report.id,
                idempotency_key=f"jakarta-intake:{report.reference}",
                state="dead",
                attempts=1,
                last_error="422 kategori tidak dikenal",
            )
        )
    queue = browser.get("/admin/").text
    assert report.reference in queue and "ditolak CRM" in queue
    assert "422 kategori tidak dikenal" in browser.get(f"/admin/reports/{report.id}").text
    assert _post(browser, f"/admin/reports/{report.id}/retry").status_code == 303
    pipeline_env.drain()
    assert _report(report.id).state == "pushed"
    assert _audit(report.id)[0].before["crm_error"] == "422 kategori tidak dikenal"


def test_a_claimed_report_shows_its_holder_and_others_cannot_act(client_factory) -> None:
    add_user("ani", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.01.1001", display_name="Ani")
    add_user("budi", Role.ADMIN_KECAMATAN, kecamatan_code="31.74.01", display_name="Budi")
    ani, budi = logged_in(client_factory, "ani"), logged_in(client_factory, "budi")
    report = make_report()
    claimed = ani.post(
        f"/admin/reports/{report.id}/claim",
        data={"csrf_token": session_token(ani)},
        headers={"HX-Request": "true"},
    )
    assert claimed.status_code == 200 and "Anda menangani" in claimed.text
    assert "Ditangani Ani" in budi.get("/admin/").text
    refused = _post(budi, f"/admin/reports/{report.id}/approve")
    assert refused.status_code == 409 and "sedang ditangani petugas lain" in refused.text
    assert _post(budi, f"/admin/reports/{report.id}/claim").status_code == 409
    with session_scope() as session:  # Ani went home: her claim lapses
        claim = session.exec(select(ReportClaim)).one()
        claim.expires_at = utcnow() - timedelta(seconds=1)
        session.add(claim)
    assert _post(budi, f"/admin/reports/{report.id}/approve").status_code == 303
    with session_scope() as session:
        assert session.exec(select(ReportClaim)).all() == []  # released with the action


def test_actions_without_or_with_a_foreign_csrf_token_change_nothing(client_factory) -> None:
    add_user("ani", Role.SUPERADMIN)
    add_user("eko", Role.SUPERADMIN)
    ani, eko = logged_in(client_factory, "ani"), logged_in(client_factory, "eko")
    report = make_report()
    path = f"/admin/reports/{report.id}/approve"
    assert ani.post(path, follow_redirects=False).status_code == 403
    bad = {"csrf_token": "salt.0000"}
    assert ani.post(path, data=bad, follow_redirects=False).status_code == 403
    foreign = {"csrf_token": session_token(eko)}  # valid, for another session
    assert ani.post(path, data=foreign, follow_redirects=False).status_code == 403
    assert ani.post(path, headers={"X-CSRF-Token": session_token(eko)}).status_code == 403
    assert _report(report.id).state == "needs_review" and _audit(report.id) == []
    assert _post(ani, path).status_code == 303


def test_audit_page_lists_actions_with_before_and_after_within_the_area(client_factory) -> None:
    add_user("super", Role.SUPERADMIN)
    add_user("lurah_gambir", Role.ADMIN_KELURAHAN, kelurahan_code="31.71.01.1001")
    add_user("lurah_tebet", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.01.1001")
    report = make_report("31.74.01.1001", channel="email")
    super_ = logged_in(client_factory, "super")
    _post(
        super_,
        f"/admin/reports/{report.id}/edit",
        description="Jalan amblas di Jl. Tebet Timur Raya",
    )
    _post(super_, f"/admin/reports/{report.id}/reject", reason="spam")
    page = super_.get("/admin/audit").text
    assert "Jalan amblas di Jl. Tebet Timur Raya" in page and "reject" in page
    assert report.reference in logged_in(client_factory, "lurah_tebet").get("/admin/audit").text
    assert (
        report.reference not in logged_in(client_factory, "lurah_gambir").get("/admin/audit").text
    )


def test_a_report_without_kelurahan_cannot_be_approved_until_an_admin_sets_it(
    client_factory,
) -> None:
    add_user("kanal", Role.CHANNEL_ADMIN, channel="twitter")
    browser = logged_in(client_factory, "kanal")
    report = make_report(reasons=["missing_location"])
    with session_scope() as session:
        row = session.get(Report, report.id)
        row.kelurahan_code = row.kecamatan_code = row.kota_code = row.kelurahan_name = ""
        session.add(row)
    refused = _post(browser, f"/admin/reports/{report.id}/approve")
    assert refused.status_code == 422 and "Pilih kelurahan lokasi" in refused.text
    _post(browser, f"/admin/reports/{report.id}/edit", kelurahan_code="31.75.01.1001")
    assert _post(browser, f"/admin/reports/{report.id}/approve").status_code == 303
    located = _report(report.id)
    assert (located.kota_code, located.kecamatan_code) == ("31.75", "31.75.01")


def test_only_superadmins_touch_a_report_the_crm_refused(client_factory) -> None:
    add_user("lurah", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.01.1001")
    browser = logged_in(client_factory, "lurah")
    report = make_report(state="dead", reasons=["crm_rejected"])
    page = browser.get(f"/admin/reports/{report.id}").text
    assert "Ubah data laporan" not in page and "Kirim ulang ke CRM" not in page
    edit = _post(browser, f"/admin/reports/{report.id}/edit", description="Diubah lurah")
    assert edit.status_code == 409 and _report(report.id).description != "Diubah lurah"
