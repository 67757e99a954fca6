"""`intake stats` numbers for a day of real pipeline work, and how they are shown."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from connectors.contract import Location
from connectors.intake import accept
from intake.stats_cmd import duration, render, sparkline
from pipeline.db import session_scope
from pipeline.models import utcnow
from pipeline.stats import WIB, day_bounds, quantile, snapshot, today
from tests.conftest import PipelineEnv
from tests.ops.procs import run_intake
from tests.pipeline.conftest import add_report, message

POTHOLE = (
    "Jalan berlubang besar di Jl. Kebon Sirih Raya RT 02 RW 03 Kelurahan Kebon Sirih, Menteng, "
    "sudah dua minggu belum diperbaiki dan membahayakan pengendara motor"
)


def test_a_day_of_intake(pipeline_env: PipelineEnv) -> None:
    accept(message(POTHOLE, channel="import", location=Location(lat=-6.1836, lon=106.8299)))
    accept(message("Halo min", channel="import"))
    pipeline_env.drain()
    long_ago = utcnow() - timedelta(days=8)
    with session_scope() as session:
        # pushed eight days ago and still Menunggu: late on both CRM clocks
        add_report(session, "pushed", crm_status="Menunggu", tracking_number="OLD1-OLD1-A",
                   updated_at=long_ago)  # fmt: skip
        add_report(session, "pushed", crm_status="Selesai", updated_at=long_ago)
    with session_scope() as session:
        stats = snapshot(session)
    assert stats.day == today()
    # add_report stores its own first messages (twilio) today too
    assert stats.per_channel == {"import": 2, "twilio": 2}
    assert stats.received == 4
    assert stats.pushed == 1 and stats.per_state.get("pushed", 0) >= 1
    assert stats.median_to_ticket_s is not None and 0 <= stats.median_to_ticket_s < 120
    assert sum(stats.per_hour) == 4
    assert stats.per_hour[utcnow().astimezone(WIB).hour] == 4
    assert stats.sla.late_coordination == 1 and stats.sla.late_resolution == 1
    assert stats.sla.open_tickets == 2  # today's ticket and the late one; Selesai is closed

    with session_scope() as session:
        yesterday = snapshot(session, stats.day - timedelta(days=1))
    assert yesterday.received == 0 and yesterday.pushed == 0

    console = Console(record=True, width=100)
    console.print(render(stats))
    shown = console.export_text()
    assert "Pesan masuk" in shown and "import" in shown
    assert "Lewat 6 jam (koordinasi)" in shown


def test_wib_day_and_small_helpers() -> None:
    start, end = day_bounds(date(2026, 11, 23))
    assert start.isoformat() == "2026-11-22T17:00:00+00:00"  # 00:00 WIB
    assert end - start == timedelta(days=1)
    assert quantile([1.0, 2.0, 3.0, 4.0, 100.0], 0.9) == pytest.approx(61.6)
    assert quantile([], 0.5) is None
    assert duration(None) == "-" and duration(42) == "42 d" and duration(3725) == "1 j 02 m"
    assert sparkline([0, 5, 10]) == " ▄█" and sparkline([0, 0]) == "  "


def test_stats_command_prints_json(tmp_path: Path) -> None:
    done = run_intake(tmp_path, "stats", "--json", "--day", "2026-11-20", check=True)
    body = json.loads(done.stdout)
    assert body["day"] == "2026-11-20" and body["per_channel"] == {}
    assert body["sla"] == {"open_tickets": 0, "late_coordination": 0, "late_resolution": 0}
    bad = run_intake(tmp_path, "stats", "--day", "23-11-2026")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
