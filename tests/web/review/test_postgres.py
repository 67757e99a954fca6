"""The production shape: scoping (JSON path for desk offices), filters and claims on PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from pipeline.db import session_scope
from pipeline.models import Report
from tests.web.review.conftest import add_user, login, make_report, session_token
from web.app import create_app
from web.review import claims
from web.review.auth import Role, scope_reports

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _ids(user) -> set[int]:
    with session_scope() as session:
        return set(session.exec(scope_reports(select(Report.id), user)).all())


def test_scopes_filters_and_claims_on_postgres(pg_redis_env) -> None:
    desk = add_user("loket", Role.DESK_STAFF, office="kel-tebet-timur")
    channel = add_user("kanal", Role.CHANNEL_ADMIN, channel="twitter")
    kota = add_user("walkot", Role.ADMIN_WALIKOTA, kota_code="31.71")
    walkin_here = make_report(channel="walkin", office="kel-tebet-timur")
    walkin_elsewhere = make_report(channel="walkin", office="kel-gambir")
    tweet = make_report(channel="twitter", reasons=["missing_photo", "possible_duplicate"])
    gambir = make_report("31.71.01.1001", channel="email")
    assert _ids(desk) == {walkin_here.id}
    assert _ids(channel) == {tweet.id}
    assert _ids(kota) == {gambir.id}
    with TestClient(
        create_app(pg_redis_env.settings),
        base_url="https://testserver",
        headers={"Accept": "text/html"},
    ) as browser:
        add_user("super", Role.SUPERADMIN)
        assert login(browser, "super").status_code == 303
        rows = browser.get("/admin/queue/rows", params={"reason": "possible_duplicate"}).text
        assert tweet.reference in rows and gambir.reference not in rows
        assert walkin_elsewhere.reference not in rows
        answer = browser.post(
            f"/admin/reports/{gambir.id}/reject",
            data={"csrf_token": session_token(browser), "reason": "spam"},
            follow_redirects=False,
        )
        assert answer.status_code == 303
    with session_scope() as session:
        assert claims.take(session, tweet.id, channel, 30)
    with session_scope() as session:
        assert not claims.take(session, tweet.id, kota, 30)  # the unique claim holds
        assert claims.holder(session, tweet.id).user_id == channel.id
