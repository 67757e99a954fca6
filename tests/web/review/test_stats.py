"""The intake dashboard: superadmins only, a day's figures from the real database, day picker."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from pipeline.db import session_scope
from pipeline.models import InboxMessage, Report, utcnow
from pipeline.stats import WIB, today
from tests.web.review.conftest import add_user, logged_in, make_report
from tests.web.review.test_dead import HOSTILE, OTHERS
from web.review.auth import Role
from web.review.stats import bars, pick_day

_RECT = re.compile(r'<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"')


@pytest.mark.parametrize(("role", "area"), OTHERS, ids=[r.value for r, _ in OTHERS])
def test_only_superadmins_open_the_dashboard(client_factory, role, area) -> None:
    add_user("other", role, **area)
    browser = logged_in(client_factory, "other")
    assert browser.get("/admin/stats").status_code == 403
    assert 'href="/admin/stats"' not in browser.get("/admin/audit").text


def _received_at(report: Report, at: datetime) -> None:
    with session_scope() as session:
        inbox = session.get(InboxMessage, report.inbox_message_id)
        inbox.received_at = at
        session.add(inbox)


def test_today_per_channel_state_median_sla_and_chart(client_factory) -> None:
    now = utcnow()
    for _ in range(3):
        make_report(channel="twitter", state="needs_review")
    pushed = make_report(
        channel="email",
        state="pushed",
        tracking_number="2611230001",
        crm_status="Menunggu",
        state_changed_at=now - timedelta(hours=7),
    )
    _received_at(pushed, now - timedelta(hours=7, minutes=95))
    make_report(channel=HOSTILE[:32], state="rejected")
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    page = browser.get("/admin/stats")
    assert page.status_code == 200
    text = page.text
    assert 'id="stat-received">5<' in text
    assert "<td>twitter</td><td>3</td>" in text and "<td>email</td><td>1</td>" in text
    assert "<td>perlu ditinjau</td><td>3</td>" in text and "<td>ditolak</td><td>1</td>" in text
    # Times to ticket count on the WIB day of the push (7 h ago: yesterday before 07:00 WIB).
    pushed_day = (now - timedelta(hours=7)).astimezone(WIB).date().isoformat()
    on_push_day = browser.get("/admin/stats", params={"day": pushed_day}).text
    assert 'id="stat-median">1 j 35 m' in on_push_day  # 7 h 95 min to the ticket, minus 7 h
    assert 'class="sla-late">1<' in text  # still Menunggu 7 hours after the push
    assert HOSTILE[:20] not in text and "&lt;script&gt;" in text
    heights = [float(h) for h in _RECT.findall(text)]
    assert len(heights) >= 24 and max(heights) == 160.0  # the busiest hour fills the chart
    assert 'href="/admin/stats" aria-current="page"' in text


def test_day_picker_shows_an_empty_past_day_and_refuses_nonsense(client_factory) -> None:
    make_report(channel="twitter")
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    yesterday = (today() - timedelta(days=1)).isoformat()
    page = browser.get(f"/admin/stats?day={yesterday}").text
    assert f"· {yesterday}" in page and 'id="stat-received">0<' in page
    assert "Belum ada pesan pada tanggal ini." in page
    for bad in ("2026-13-45", "<script>", "1999-01-01", "2999-01-01"):
        answer = browser.get("/admin/stats", params={"day": bad})
        assert answer.status_code == 200 and "Tanggal tidak valid" in answer.text
        assert 'id="stat-received">1<' in answer.text and "<script>" not in answer.text


def test_bars_scale_to_the_largest_value() -> None:
    drawn = bars([("a", 0), ("b", 5), ("c", 10)], width=300, height=100, gap=0)
    assert [(b.x, b.height, b.y) for b in drawn] == [(0, 0, 100), (100, 50, 50), (200, 100, 0)]
    assert [b.height for b in bars([("a", 0)])] == [0]
    assert bars([]) == []


def test_pick_day() -> None:
    day = today()
    assert pick_day("", day) == (day, True)
    assert pick_day((day - timedelta(days=3)).isoformat(), day) == (day - timedelta(days=3), True)
    assert pick_day("kemarin", day) == (day, False)


def test_pages_follow_the_english_toggle(client_factory) -> None:
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    browser.cookies.set("crm_lang", "en")
    stats_page = browser.get("/admin/stats").text
    assert "Intake statistics" in stats_page and "Messages per hour (WIB)" in stats_page
    dead_page = browser.get("/admin/dead").text
    assert "No dead letters." in dead_page and ">Statistics</a>" in dead_page
