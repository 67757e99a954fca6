"""A refused push dropped by ops: its citizen (and those who joined it) hear so, once."""

from __future__ import annotations

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from connectors.contract import Location, Sender
from connectors.intake import accept
from crm_client.base import CRMRejected, CRMReport, CRMTicket
from intake.cli import app
from pipeline import deadletters, enqueue, push
from pipeline.db import session_scope
from pipeline.models import OutboxReply, Report
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import (
    COMPLAINT,
    RecordingSender,
    add_report,
    message,
    use_sender,
)

CITIZEN = "whatsapp:+6281234567890"
SORRY = "belum dapat kami teruskan ke petugas. Silakan kirim ulang laporan Anda."


class RefusingCRM:
    """The CRM core answering 422 to every push (a category it no longer accepts)."""

    def push(self, report: CRMReport) -> CRMTicket:
        """Refuse, as a 4xx answer does."""
        raise CRMRejected("422: service_code 'jalan_rusak' is not active")


def _dead_report_from_whatsapp(env: PipelineEnv, monkeypatch: pytest.MonkeyPatch) -> Report:
    """A citizen's WhatsApp complaint, complete, that the CRM refuses: the report goes dead."""
    monkeypatch.setattr(push, "get_client", lambda _settings: RefusingCRM())
    accept(
        message(
            text=COMPLAINT,
            sender=Sender(handle=CITIZEN),
            location=Location(lat=-6.1862, lon=106.8296),
        )
    )
    env.drain()
    with env.session() as session:
        report = session.exec(select(Report)).one()
    assert (report.state, report.reasons) == ("dead", ["crm_rejected"])
    return report


@pytest.fixture
def sender(monkeypatch: pytest.MonkeyPatch) -> RecordingSender:
    """What the Twilio (WhatsApp) channel is asked to send."""
    recording = RecordingSender()
    use_sender(monkeypatch, recording, "twilio")
    return recording


def _drop(report_id: int, note: str = "kategori tidak aktif") -> deadletters.Dropped:
    with session_scope() as session:
        dropped = deadletters.drop(session, "push", report_id, "ops:rina", note)
    enqueue.run(dropped.steps)  # only now: the drop is committed
    return dropped


def test_dropping_a_refused_push_tells_the_citizen_once(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch, sender: RecordingSender
) -> None:
    report = _dead_report_from_whatsapp(pipeline_env, monkeypatch)
    assert sender.sent == []  # a ready report waits for its number: nothing was said yet

    assert _drop(report.id or 0)
    assert not _drop(report.id or 0)  # a second click: not dead any more, nothing sent
    pipeline_env.drain()

    [reply] = sender.sent
    assert (reply.recipient, reply.kind) == (CITIZEN, "push_dropped")
    assert reply.text == f"Mohon maaf, laporan Anda (ref. {report.reference}) {SORRY}"
    with pipeline_env.session() as session:
        [row] = session.exec(select(OutboxReply)).all()
    assert (row.state, row.report_id) == ("sent", report.id)


def test_citizens_who_joined_the_dropped_report_hear_it_too(
    pipeline_env: PipelineEnv, sender: RecordingSender
) -> None:
    with pipeline_env.session() as session:
        dead = add_report(session, "dead", reasons=["crm_rejected"])
        joined = add_report(session, "duplicate", duplicate_of=dead.id, reasons=["duplicate"])
        # The reporter again about the same issue: the reporter's own reply covers it.
        again = add_report(session, "duplicate", duplicate_of=dead.id, reasons=["same_citizen"])
        quiet = add_report(session, "dead", channel="lapor1708", reasons=["crm_rejected"])
        session.commit()
    assert _drop(dead.id or 0) and _drop(quiet.id or 0)
    pipeline_env.drain()

    texts = sorted(r.text for r in sender.sent)
    assert texts == sorted(
        f"Mohon maaf, laporan Anda (ref. {r.reference}) {SORRY}" for r in (dead, joined)
    )
    assert again.reference not in " ".join(texts)
    with pipeline_env.session() as session:
        # LAPOR! answers its citizens in its own system: nothing queued for that report.
        assert (
            session.exec(select(OutboxReply).where(OutboxReply.report_id == quiet.id)).all() == []
        )


def test_intake_dead_drop_sends_the_reply(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch, sender: RecordingSender
) -> None:
    report = _dead_report_from_whatsapp(pipeline_env, monkeypatch)
    result = CliRunner().invoke(
        app, ["dead", "drop", "push", str(report.id), "--note", "kategori tidak aktif"]
    )
    assert result.exit_code == 0, result.output
    assert f"push {report.id}: dropped" in result.output
    pipeline_env.drain()
    assert [(r.recipient, r.kind) for r in sender.sent] == [(CITIZEN, "push_dropped")]
