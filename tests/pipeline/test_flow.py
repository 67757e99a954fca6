"""The whole embedded flow: a complete complaint becomes a CRM ticket and one confirmation."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlmodel import select

from connectors.contract import Location, Sender
from connectors.intake import accept
from pipeline.crm import get_client
from pipeline.models import InboxMessage, OutboxReply, Report, ReportFollower
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import RecordingSender, message, replies_file, use_sender

#: Inside Kelurahan Kebon Sirih (centroid -6.18509, 106.83075), with the kelurahan named.
POTHOLE = (
    "Jalan berlubang besar di Jl. Kebon Sirih Raya RT 02 RW 03 Kelurahan Kebon Sirih, Menteng, "
    "sudah dua minggu belum diperbaiki dan membahayakan pengendara motor"
)
SAME_POTHOLE = (
    "Lubang besar di Jl. Kebon Sirih Raya RT 02 RW 03 Kebon Sirih Menteng belum diperbaiki, "
    "sudah dua minggu membahayakan pengendara motor"
)
AT_POTHOLE = Location(lat=-6.1836, lon=106.8299)
TRACKING = re.compile(r"^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]$")


def _replies(env: PipelineEnv) -> list[dict[str, Any]]:
    path = replies_file(env)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _report(env: PipelineEnv, inbox_id: int) -> Report:
    with env.session() as session:
        report = session.exec(select(Report).where(Report.inbox_message_id == inbox_id)).one()
    return report


def test_complete_message_is_pushed_and_confirmed_once(pipeline_env: PipelineEnv) -> None:
    msg = message(POTHOLE, channel="import", location=AT_POTHOLE, sender=Sender(handle="warga-1"))
    ack = accept(msg)
    pipeline_env.drain()
    accept(msg)  # the same line replayed: recognised, nothing happens twice
    pipeline_env.drain()

    report = _report(pipeline_env, ack.inbox_id)
    assert report.state == "pushed", report.reasons
    assert TRACKING.match(report.tracking_number)
    assert (report.kelurahan_code, report.kelurahan_name) == ("31.71.06.1005", "Kebon Sirih")
    assert report.category == "jalan_rusak"
    assert report.opd == "Dinas Bina Marga"

    ticket = get_client(pipeline_env.settings).track(report.tracking_number)
    assert ticket is not None
    assert (ticket.status, ticket.kelurahan_name) == ("Menunggu", "Kebon Sirih")

    [confirmation] = _replies(pipeline_env)
    assert confirmation["kind"] == "confirmation"
    assert confirmation["recipient"] == "warga-1"
    assert f"Nomor laporan: {report.tracking_number}." in confirmation["text"]
    assert confirmation["text"].endswith(f"STATUS {report.tracking_number}")
    with pipeline_env.session() as session:
        assert session.get(InboxMessage, ack.inbox_id).state == "processed"  # type: ignore[union-attr]
        assert [r.state for r in session.exec(select(OutboxReply)).all()] == ["sent"]


def test_second_citizen_joins_the_first_report(pipeline_env: PipelineEnv) -> None:
    first = accept(
        message(POTHOLE, channel="import", location=AT_POTHOLE, sender=Sender(handle="warga-1"))
    )
    pipeline_env.drain()
    second = accept(
        message(
            SAME_POTHOLE,
            channel="import",
            location=Location(lat=-6.1837, lon=106.8300),
            sender=Sender(handle="warga-2"),
        )
    )
    pipeline_env.drain()

    original = _report(pipeline_env, first.inbox_id)
    duplicate = _report(pipeline_env, second.inbox_id)
    assert original.state == "pushed"
    assert (duplicate.state, duplicate.duplicate_of) == ("duplicate", original.id)
    with pipeline_env.session() as session:
        followers = session.exec(select(ReportFollower.inbox_message_id)).all()
    assert followers == [second.inbox_id]
    kinds = {r["kind"]: r["text"] for r in _replies(pipeline_env)}
    assert set(kinds) == {"confirmation", "duplicate"}
    assert original.tracking_number in kinds["duplicate"]
    assert len(_replies(pipeline_env)) == 2


def test_question_answered_with_a_location_completes_the_report(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    whatsapp = RecordingSender()
    use_sender(monkeypatch, whatsapp, "twilio")
    citizen = Sender(handle="whatsapp:+62000000004")
    first = accept(
        message(
            "Lampu penerangan jalan mati sudah tiga hari, gelap sekali kalau malam dan rawan",
            sender=citizen,
        )
    )
    pipeline_env.drain()
    asked = _report(pipeline_env, first.inbox_id)
    assert (asked.state, asked.reasons) == ("needs_info", ["missing_location"])
    [question] = whatsapp.sent
    assert question.kind == "needs_info"
    assert "alamat lengkap" in question.text

    answer = accept(message("", sender=citizen, location=AT_POTHOLE))  # a shared WhatsApp pin
    pipeline_env.drain()
    report = _report(pipeline_env, first.inbox_id)
    assert report.state == "pushed", report.reasons
    assert report.kelurahan_code == "31.71.06.1005"
    assert (report.lat, report.lon) == (AT_POTHOLE.lat, AT_POTHOLE.lon)
    with pipeline_env.session() as session:
        assert session.get(InboxMessage, answer.inbox_id).report_id == report.id  # type: ignore[union-attr]
        assert len(session.exec(select(Report)).all()) == 1
    assert [r.kind for r in whatsapp.sent] == ["needs_info", "confirmation"]
    assert whatsapp.sent[1].recipient == "whatsapp:+62000000004"
    assert report.tracking_number in whatsapp.sent[1].text
