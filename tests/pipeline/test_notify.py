"""What the citizen reads after triage: questions that name the choices, rejections, no spam echo."""

from __future__ import annotations

import pytest
from sqlmodel import select

from connectors.contract import Sender
from connectors.intake import accept
from pipeline.models import OutboxReply, Report
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import RecordingSender, message, use_sender


@pytest.fixture
def whatsapp(monkeypatch: pytest.MonkeyPatch) -> RecordingSender:
    """Replies on the twilio channel, recorded."""
    sender = RecordingSender()
    use_sender(monkeypatch, sender, "twilio")
    return sender


def _only_report(env: PipelineEnv) -> Report:
    with env.session() as session:
        return session.exec(select(Report)).one()


def test_kecamatan_without_kelurahan_is_asked_with_the_choices(
    pipeline_env: PipelineEnv, whatsapp: RecordingSender
) -> None:
    text = "Jalan berlubang besar di Jl. Tebet Raya, Tebet, sudah seminggu bahaya buat motor"
    accept(message(text, sender=Sender(handle="whatsapp:+62000000031")))
    pipeline_env.drain()

    report = _only_report(pipeline_env)
    assert (report.state, report.reasons) == ("needs_info", ["missing_location"])
    [question] = whatsapp.sent
    assert question.kind == "needs_info"
    assert "nama kelurahan lokasinya (Tebet Timur atau Tebet Barat?)" in question.text


def test_insults_only_are_refused_politely(
    pipeline_env: PipelineEnv, whatsapp: RecordingSender
) -> None:
    accept(message("dasar pejabat goblok, kerja ga becus semua, b4ngs4t"))
    pipeline_env.drain()

    report = _only_report(pipeline_env)
    assert (report.state, report.reasons) == ("rejected", ["profanity"])
    [refusal] = whatsapp.sent
    assert refusal.kind == "rejected"
    assert refusal.text.startswith("Mohon maaf")
    assert "kata-kata yang tidak pantas" in refusal.text
    assert "goblok" not in refusal.text


def test_spam_is_rejected_without_an_answer(
    pipeline_env: PipelineEnv, whatsapp: RecordingSender
) -> None:
    accept(message("SLOT GACOR hari ini gampang maxwin! Daftar sekarang, bonus new member 100%"))
    pipeline_env.drain()

    report = _only_report(pipeline_env)
    assert (report.state, report.reasons) == ("rejected", ["spam"])
    assert whatsapp.sent == []
    with pipeline_env.session() as session:
        assert session.exec(select(OutboxReply)).all() == []
