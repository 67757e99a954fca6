"""Pushing to the CRM core: one ticket per report whatever fails in between, contacts kept private."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlmodel import select

from crm_client.base import CRMRejected, CRMReport, CRMTicket, CRMUnavailable
from pipeline import push
from pipeline.crm import get_client
from pipeline.models import CitizenContact, CRMPush, Report
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_report, replies_file


class FlakyCRM:
    """The embedded CRM behind a network that fails in scripted ways."""

    def __init__(self, real: Any, lose_answers: int = 0, reject: str = "") -> None:
        self.real = real
        self.lose_answers = lose_answers
        self.reject = reject
        self.pushes = 0

    def push(self, report: CRMReport) -> CRMTicket:
        """Refuse, or create the ticket and (while scripted) lose the answer on the way back."""
        self.pushes += 1
        if self.reject:
            raise CRMRejected(self.reject)
        ticket = self.real.push(report)
        if self.lose_answers:
            self.lose_answers -= 1
            raise CRMUnavailable("read timeout after 10 s")
        return ticket  # type: ignore[no-any-return]


def _crm(env: PipelineEnv, monkeypatch: pytest.MonkeyPatch, **script: Any) -> FlakyCRM:
    flaky = FlakyCRM(get_client(env.settings), **script)
    monkeypatch.setattr(push, "get_client", lambda _settings: flaky)
    return flaky


def _ready(env: PipelineEnv) -> Report:
    with env.session() as session:
        report = add_report(session, "ready", channel="import")
        session.commit()
    return report


def _run(steps: list[Any]) -> None:
    for step in steps:
        step()


def test_lost_answer_is_retried_into_the_same_ticket(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    flaky = _crm(pipeline_env, monkeypatch, lose_answers=2)
    report = _ready(pipeline_env)
    for _ in range(2):
        with pytest.raises(CRMUnavailable):
            push.push_report(report.id or 0)
    _run(push.push_report(report.id or 0))
    _run(push.push_report(report.id or 0))  # a redelivered message after success: nothing
    pipeline_env.drain()

    core = get_client(pipeline_env.settings).core  # type: ignore[attr-defined]
    [ticket] = core.search(reference=report.reference)
    with pipeline_env.session() as session:
        stored = session.get(Report, report.id)
        [attempt] = session.exec(select(CRMPush)).all()
    assert flaky.pushes == 3
    assert stored is not None and stored.state == "pushed"
    assert stored.tracking_number == ticket.tracking_number
    assert (attempt.state, attempt.attempts, attempt.last_error) == ("done", 3, "")
    lines = replies_file(pipeline_env).read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["kind"] for line in lines] == ["confirmation"]


def test_rejected_push_is_dead_lettered_without_a_reply(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _crm(pipeline_env, monkeypatch, reject="422: description is required")
    report = _ready(pipeline_env)
    assert push.push_report(report.id or 0) == []
    assert push.push_report(report.id or 0) == []  # dead stays dead until an admin retries
    with pipeline_env.session() as session:
        stored = session.get(Report, report.id)
        [attempt] = session.exec(select(CRMPush)).all()
    assert stored is not None
    assert (stored.state, stored.reasons, stored.tracking_number) == ("dead", ["crm_rejected"], "")
    assert (attempt.state, attempt.attempts) == ("dead", 1)
    assert attempt.last_error == "422: description is required"
    assert not replies_file(pipeline_env).exists()


@pytest.mark.parametrize(
    ("flags", "shared"),
    [({}, True), ({"confidential": True}, False), ({"anonymous": True}, False)],
)
def test_contact_details_reach_the_crm_only_when_allowed(
    pipeline_env: PipelineEnv, flags: dict[str, bool], shared: bool
) -> None:
    with pipeline_env.session() as session:
        contact = CitizenContact(
            channel="import",
            handle="warga-1",
            name="Warga Contoh",
            phone_e164="+62000000003",
            email="warga@example.org",
        )
        session.add(contact)
        session.flush()
        report = add_report(session, "ready", contact_id=contact.id, **flags)
        row = push.payload_row(session, report.id or 0, ready_only=False)
        payload = push.crm_report(row, push.idempotency_key(report.reference))
    contact_fields = (payload.contact_name, payload.contact_phone, payload.contact_email)
    if shared:
        assert contact_fields == ("Warga Contoh", "+62000000003", "warga@example.org")
    else:
        assert contact_fields == ("", "", "")
    assert payload.idempotency_key == f"jakarta-intake:{report.reference}"
    assert payload.address == "Jl. Kebon Sirih, RT 02 RW 03, Kebon Sirih"
