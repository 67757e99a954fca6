"""Server-side authorization as a matrix: role x report in/out of area x action."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from pipeline.db import session_scope
from pipeline.models import Attachment, Report
from tests.web.review.conftest import add_user, logged_in, make_report, session_token
from web.review.auth import Role

IN_AREA = "31.74.01.1001"  # Tebet Timur, Tebet, Jakarta Selatan
OUT_AREA = "31.71.01.1001"  # Gambir, Jakarta Pusat
ACCOUNTS = {
    Role.SUPERADMIN: {},
    Role.ADMIN_WALIKOTA: {"kota_code": "31.74"},
    Role.ADMIN_KECAMATAN: {"kecamatan_code": "31.74.01", "kota_code": "31.74"},
    Role.ADMIN_KELURAHAN: {"kelurahan_code": IN_AREA, "kecamatan_code": "31.74.01"},
    Role.CHANNEL_ADMIN: {"channel": "twitter"},
    Role.DESK_STAFF: {"office": "kel-tebet-timur"},
}
ACTIONS = ("view", "photo", "claim", "edit", "approve", "merge", "request_info", "reject", "retry")


def _report(inside: bool, state: str = "needs_review") -> Report:
    # "inside" = the scoped roles' area and the channel admin's channel
    if inside:
        return make_report(IN_AREA, channel="twitter", state=state)
    return make_report(OUT_AREA, channel="facebook", state=state)


def _photo(report: Report, var_dir) -> int:
    media = var_dir / "media"
    media.mkdir(parents=True, exist_ok=True)
    path = media / f"r{report.id}.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0stripped-jpeg")
    with session_scope() as session:
        row = Attachment(
            inbox_message_id=report.inbox_message_id,
            report_id=report.id,
            path=str(path),
            content_type="image/jpeg",
            sha256="ab" * 32,
        )
        session.add(row)
        session.flush()
        return row.id


def _request(client: TestClient, action: str, inside: bool, var_dir) -> int:
    report = _report(inside, state="dead" if action == "retry" else "needs_review")
    token = {"csrf_token": session_token(client)}
    base = f"/admin/reports/{report.id}"
    if action == "view":
        return client.get(base).status_code
    if action == "photo":
        return client.get(f"/admin/attachments/{_photo(report, var_dir)}").status_code
    data: dict[str, object] = dict(token)
    if action == "edit":
        data |= {"description": "Jalan berlubang besar, mohon segera ditambal."}
    elif action == "merge":
        original = _report(inside, state="pushed")
        data |= {"original": original.reference}
    elif action == "request_info":
        data |= {"ask": ["photo"]}
    elif action == "reject":
        data |= {"reason": "out_of_scope"}
    path = f"{base}/{action.replace('_', '-')}"
    return client.post(path, data=data, follow_redirects=False).status_code


def expected(role: Role, inside: bool, action: str) -> int:
    """The status the server must answer: 2xx/303 allowed, 403 role, 404 outside the scope."""
    if role is Role.DESK_STAFF:
        return 403
    if action == "retry" and role is not Role.SUPERADMIN:
        return 403
    if not inside and role is not Role.SUPERADMIN:
        return 404
    return 200 if action in ("view", "photo") else 303


def test_every_role_area_and_action(client_factory: Callable[[], TestClient], pipeline_env) -> None:
    browsers = {}
    for role, fields in ACCOUNTS.items():
        add_user(role.value, role, **fields)
        browsers[role] = logged_in(client_factory, role.value)
    wrong = []
    for role, browser in browsers.items():
        for inside in (True, False):
            for action in ACTIONS:
                got = _request(browser, action, inside, pipeline_env.var_dir)
                want = expected(role, inside, action)
                if got != want:
                    wrong.append(
                        f"{role.value} {'in' if inside else 'out'} {action}: {got} != {want}"
                    )
    assert wrong == []


def test_out_of_area_reports_are_missing_from_the_queue(client_factory) -> None:
    add_user("lurah", Role.ADMIN_KELURAHAN, kelurahan_code=IN_AREA)
    mine = make_report(IN_AREA, description="Saluran air tersumbat sampah di Jl. Tebet Timur Dalam")
    other = make_report(OUT_AREA, description="Trotoar rusak di depan Stasiun Gambir")
    unlocated = make_report(IN_AREA, description="Lampu jalan mati")
    with session_scope() as session:
        row = session.get(Report, unlocated.id)
        row.kelurahan_code = row.kecamatan_code = row.kota_code = ""
        session.add(row)
    page = logged_in(client_factory, "lurah").get("/admin/").text
    assert mine.reference in page
    assert other.reference not in page and "Stasiun Gambir" not in page
    assert unlocated.reference not in page  # no area: only superadmins and channel admins


def test_account_without_an_area_sees_nothing(client_factory) -> None:
    add_user("kosong", Role.ADMIN_KELURAHAN)  # misconfigured: no kelurahan_code
    report = make_report(IN_AREA)
    with session_scope() as session:
        row = session.get(Report, report.id)
        row.kelurahan_code = ""
        session.add(row)
    browser = logged_in(client_factory, "kosong")
    assert report.reference not in browser.get("/admin/").text
    assert browser.get(f"/admin/reports/{report.id}").status_code == 404


def test_desk_staff_scope_is_their_own_office_walk_ins(pipeline_env) -> None:
    from sqlmodel import select

    from web.review.auth import can_act, scope_reports

    desk = add_user("loket", Role.DESK_STAFF, office="kelurahan:31.74.01.1001")
    here = make_report(channel="walkin", office="kelurahan:31.74.01.1001")
    elsewhere = make_report(channel="walkin", office="kelurahan:31.71.01.1001")
    tweet = make_report(channel="twitter")
    with session_scope() as session:
        assert set(session.exec(scope_reports(select(Report.id), desk)).all()) == {here.id}
        visible = {
            r.id for r in (here, elsewhere, tweet) if can_act(desk, session.get(Report, r.id))
        }
    assert visible == {here.id}
