"""The same citizen writes again: the same issue joins their own report, another issue is new."""

from __future__ import annotations

import pytest
from sqlmodel import select

from connectors.contract import Location, Sender
from connectors.intake import accept
from pipeline.models import Report, ReportFollower
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import RecordingSender, message, use_sender

CITIZEN = Sender(handle="whatsapp:+62000000021")
POTHOLE = (
    "Jalan berlubang besar di Jl. Kebon Sirih Raya RT 02 RW 03 Kelurahan Kebon Sirih, Menteng, "
    "sudah dua minggu belum diperbaiki dan membahayakan pengendara motor"
)
#: The same citizen, two days later, impatient, in chat shorthand.
POTHOLE_AGAIN = (
    "Min, lubang besar di Jl. Kebon Sirih Raya RT 02/03 Kebon Sirih masih belum diperbaiki, "
    "sdh 2 minggu, bahaya bgt buat motor"
)
#: The same citizen about something else, in another kelurahan (Tebet Timur).
DARK_STREET = (
    "Lampu PJU di Jl. Tebet Raya dpn Pasar Tebet mati sdh 3 hari, gelap gulita kalau malam"
)
AT_POTHOLE = Location(lat=-6.1836, lon=106.8299)
IN_TEBET = Location(lat=-6.23382, lon=106.85552)


@pytest.fixture
def whatsapp(monkeypatch: pytest.MonkeyPatch) -> RecordingSender:
    """Replies on the twilio channel, recorded."""
    sender = RecordingSender()
    use_sender(monkeypatch, sender, "twilio")
    return sender


def _reports(env: PipelineEnv) -> list[Report]:
    with env.session() as session:
        return list(session.exec(select(Report).order_by(Report.id)).all())  # type: ignore[arg-type]


def test_same_issue_again_joins_the_citizens_own_report(
    pipeline_env: PipelineEnv, whatsapp: RecordingSender
) -> None:
    accept(message(POTHOLE, sender=CITIZEN, location=AT_POTHOLE))
    pipeline_env.drain()
    accept(message(POTHOLE_AGAIN, sender=CITIZEN, location=Location(lat=-6.1837, lon=106.8301)))
    pipeline_env.drain()

    first, again = _reports(pipeline_env)
    assert first.state == "pushed"
    assert (again.state, again.duplicate_of, again.reasons) == (
        "duplicate",
        first.id,
        ["same_citizen"],
    )
    assert [c["report_id"] for c in again.candidates] == [first.id]
    assert [r.kind for r in whatsapp.sent] == ["confirmation", "same_citizen"]
    repeat = whatsapp.sent[1]
    assert f"({first.tracking_number})" in repeat.text
    assert repeat.text.endswith(f"STATUS {first.tracking_number}")
    assert "warga lain" not in repeat.text  # not told someone else reported it
    with pipeline_env.session() as session:
        assert session.exec(select(ReportFollower)).all() == []  # no second status notice


def test_another_issue_from_the_same_citizen_is_a_new_report(
    pipeline_env: PipelineEnv, whatsapp: RecordingSender
) -> None:
    accept(message(POTHOLE, sender=CITIZEN, location=AT_POTHOLE))
    pipeline_env.drain()
    accept(message(DARK_STREET, sender=CITIZEN, location=IN_TEBET))
    pipeline_env.drain()

    pothole, lamp = _reports(pipeline_env)
    assert (pothole.state, lamp.state) == ("pushed", "pushed")
    assert (lamp.category, lamp.kelurahan_name, lamp.duplicate_of) == ("pju", "Tebet Timur", None)
    assert pothole.tracking_number != lamp.tracking_number
    assert [r.kind for r in whatsapp.sent] == ["confirmation", "confirmation"]


def test_repeat_while_the_first_is_in_review_gets_the_intake_reference(
    pipeline_env: PipelineEnv, whatsapp: RecordingSender
) -> None:
    # An angry first message goes to an admin (profanity); the calmer repeat joins it.
    angry = "Jalan Kebon Sirih Raya RT 02 RW 03 Kebon Sirih berlubang besar, anj1ng sudah dua "
    angry += "minggu ga dibenerin"
    accept(message(angry, sender=CITIZEN, location=AT_POTHOLE))
    pipeline_env.drain()
    accept(message(POTHOLE_AGAIN, sender=CITIZEN, location=AT_POTHOLE))
    pipeline_env.drain()

    first, again = _reports(pipeline_env)
    assert (first.state, first.reasons) == ("needs_review", ["profanity"])
    assert (again.state, again.duplicate_of) == ("duplicate", first.id)
    assert [r.kind for r in whatsapp.sent] == ["in_review", "same_citizen"]
    assert f"ref. {first.reference}" in whatsapp.sent[1].text


@pytest.mark.postgres
def test_same_issue_again_on_postgresql(
    pg_pipeline_env: PipelineEnv, whatsapp: RecordingSender
) -> None:
    first = accept(message(POTHOLE, sender=CITIZEN, location=AT_POTHOLE))
    pg_pipeline_env.drain()
    again = accept(message(POTHOLE_AGAIN, sender=CITIZEN, location=AT_POTHOLE))
    lamp = accept(message(DARK_STREET, sender=CITIZEN, location=IN_TEBET))  # processed together
    pg_pipeline_env.drain()

    by_inbox = {r.inbox_message_id: r for r in _reports(pg_pipeline_env)}
    original = by_inbox[first.inbox_id]
    assert (by_inbox[again.inbox_id].state, by_inbox[again.inbox_id].duplicate_of) == (
        "duplicate",
        original.id,
    )
    assert (by_inbox[lamp.inbox_id].state, by_inbox[lamp.inbox_id].duplicate_of) == (
        "pushed",
        None,
    )
