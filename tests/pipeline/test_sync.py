"""Status sync: officer moves in the CRM reach the reporter and followers once, after quiet hours."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import select

from crm_client.base import StatusChange
from pipeline import push, sync
from pipeline.crm import get_client
from pipeline.models import OutboxReply, PollerCheckpoint, Report, ReportFollower
from pipeline.tracking import WIB
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_inbox, add_report, message, replies_file

OFFICER = "kelurahan-kebon-sirih"


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (datetime(2026, 11, 23, 23, 0, tzinfo=WIB), datetime(2026, 11, 24, 6, 0, tzinfo=WIB)),
        (datetime(2026, 11, 23, 5, 0, tzinfo=WIB), datetime(2026, 11, 23, 6, 0, tzinfo=WIB)),
        (datetime(2026, 11, 23, 22, 0, tzinfo=WIB), datetime(2026, 11, 24, 6, 0, tzinfo=WIB)),
        (datetime(2026, 11, 23, 12, 0, tzinfo=WIB), None),
        (datetime(2026, 11, 23, 6, 0, tzinfo=WIB), None),
        (datetime(2026, 11, 23, 21, 59, tzinfo=WIB), None),
    ],
)
def test_quiet_hours_overnight(local: datetime, until: datetime | None) -> None:
    found = sync.quiet_until(local.astimezone(UTC), "22-06")
    assert found == until
    assert found is None or found.tzinfo is UTC


def test_quiet_hours_within_one_day_and_unset() -> None:
    siesta = datetime(2026, 11, 23, 13, 30, tzinfo=WIB)
    assert sync.quiet_until(siesta, "13-15") == datetime(2026, 11, 23, 15, 0, tzinfo=WIB)
    assert sync.quiet_until(siesta, "") is None


def test_completion_notice_links_the_public_page(pipeline_env: PipelineEnv) -> None:
    done = StatusChange(
        tracking_number="JK7M-29QX-4",
        status="Selesai",
        changed_at=datetime(2026, 11, 23, tzinfo=UTC),
        note="Jalan sudah ditambal",
        seq=9,
    )
    assert sync.notice_text(done, pipeline_env.settings) == (
        "Kabar laporan JK7M-29QX-4: status kini Selesai. Catatan petugas: Jalan sudah ditambal "
        "Foto penyelesaian: http://127.0.0.1:8000/lacak/JK7M-29QX-4"
    )


def _pushed_report_with_followers(env: PipelineEnv) -> tuple[Report, list[int]]:
    """A report pushed to the embedded CRM, one import follower and one LAPOR! follower."""
    with env.session() as session:
        report = add_report(session, "ready", channel="import")
        follower = add_inbox(session, message(channel="import"))
        lapor = add_inbox(session, message(channel="lapor1708"))
        for inbox in (follower, lapor):
            session.add(ReportFollower(report_id=report.id or 0, inbox_message_id=inbox.id or 0))
        session.commit()
    for step in push.push_report(report.id or 0):
        step()
    env.drain()
    with env.session() as session:
        stored = session.get(Report, report.id)
    assert stored is not None and stored.state == "pushed"
    return stored, [stored.inbox_message_id, follower.id or 0]


def _notices(env: PipelineEnv) -> list[tuple[int | None, str]]:
    with env.session() as session:
        rows = session.exec(
            select(OutboxReply).where(OutboxReply.kind == "status_change").order_by(OutboxReply.id)
        ).all()
    return [(r.inbox_message_id, r.text) for r in rows]


def _file(env: PipelineEnv) -> list[dict[str, Any]]:
    return [json.loads(x) for x in replies_file(env).read_text(encoding="utf-8").splitlines()]


def test_each_change_is_told_once_to_reporter_and_followers(pipeline_env: PipelineEnv) -> None:
    report, inboxes = _pushed_report_with_followers(pipeline_env)
    core = get_client(pipeline_env.settings).core  # type: ignore[attr-defined]
    core.transition(report.tracking_number, "Koordinasi", officer=OFFICER)

    assert sync.sync_status(pipeline_env.settings) == 1
    assert sync.sync_status(pipeline_env.settings) == 0
    coordinated = f"Kabar laporan {report.tracking_number}: status kini Koordinasi."
    assert _notices(pipeline_env) == [(inboxes[0], coordinated), (inboxes[1], coordinated)]

    with pipeline_env.session() as session:  # the checkpoint is lost: changes come again
        session.get(PollerCheckpoint, sync.CHECKPOINT).cursor = {"seq": 0}  # type: ignore[union-attr]
        session.commit()
    assert sync.sync_status(pipeline_env.settings) == 1
    assert len(_notices(pipeline_env)) == 2

    core.transition(report.tracking_number, "Proses", officer=OFFICER, note="Tim sudah dikirim")
    sync.sync_status(pipeline_env.settings)
    sync.sync_status(pipeline_env.settings)
    pipeline_env.drain()
    in_process = (
        f"Kabar laporan {report.tracking_number}: status kini Proses. "
        "Catatan petugas: Tim sudah dikirim"
    )
    assert [text for _, text in _notices(pipeline_env)] == [coordinated] * 2 + [in_process] * 2
    sent = [line["text"] for line in _file(pipeline_env) if line["kind"] == "status_change"]
    assert sorted(sent) == sorted([coordinated] * 2 + [in_process] * 2)
    with pipeline_env.session() as session:
        assert session.get(Report, report.id).crm_status == "Proses"  # type: ignore[union-attr]


def test_notice_during_quiet_hours_waits_for_morning(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    report, _ = _pushed_report_with_followers(pipeline_env)
    monkeypatch.setattr(pipeline_env.settings.pipeline, "quiet_hours", "22-06")
    # Tomorrow evening, so the morning is still ahead of the real clock the worker claims by.
    tomorrow = datetime.now(WIB) + timedelta(days=1)
    late_evening = tomorrow.replace(hour=23, minute=15, second=0, microsecond=0)
    monkeypatch.setattr(sync, "utcnow", lambda: late_evening.astimezone(UTC))
    core = get_client(pipeline_env.settings).core  # type: ignore[attr-defined]
    core.transition(report.tracking_number, "Koordinasi", officer=OFFICER)
    sync.sync_status(pipeline_env.settings)
    pipeline_env.drain()  # the worker gets the ids at once and must leave them for the morning
    with pipeline_env.session() as session:
        rows = session.exec(select(OutboxReply).where(OutboxReply.kind == "status_change")).all()
    morning = (late_evening + timedelta(days=1)).replace(hour=6, minute=0)
    assert [(r.state, r.next_attempt_at) for r in rows] == [("pending", morning)] * 2
    assert not replies_file(pipeline_env).read_text(encoding="utf-8").count("status_change")
