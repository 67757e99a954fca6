"""The sweeper: stuck rows are re-enqueued after their deadline (not before), questions expire."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from dramatiq import Message
from sqlmodel import select

from connectors.contract import Sender
from pipeline import outbox, sweeper
from pipeline.models import CRMPush, InboxMessage, OutboxReply, Report, utcnow
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_inbox, add_report, message

DEADLINE = timedelta(minutes=5)
LONG_AGO = utcnow() - timedelta(minutes=30)


@pytest.fixture
def paused(pipeline_env: PipelineEnv) -> Iterator[PipelineEnv]:
    """The pipeline with its worker paused, so the queue can be read before it is consumed."""
    pipeline_env.worker.pause()
    yield pipeline_env
    pipeline_env.worker.resume()


def queued(env: PipelineEnv) -> list[tuple[str, int]]:
    """(actor, row id) of every message waiting in the queue."""
    raw = list(env.broker.queues["intake"].queue)  # type: ignore[attr-defined]
    return sorted((m.actor_name, m.args[0]) for m in map(Message.decode, raw))


def _stuck_rows(env: PipelineEnv, age: timedelta) -> dict[str, int]:
    """One row per stuck state, last touched `age` ago."""
    stamp = utcnow() - age
    with env.session() as session:
        inbox = add_inbox(session, message(channel="import"), state="received")
        inbox.updated_at = stamp
        new = add_report(session, "new", channel="import", updated_at=stamp)
        ready = add_report(session, "ready", channel="import", updated_at=stamp, category="banjir")
        anchor = add_inbox(session, message(channel="import"))
        oid = outbox.enqueue_reply(
            session, dedupe_key=f"test:{anchor.id}", kind="welcome", inbox=anchor, text="Halo"
        )
        reply = session.get(OutboxReply, oid)
        assert reply is not None
        reply.updated_at = reply.next_attempt_at = stamp
        session.commit()
    return {
        "process_message": inbox.id or 0,
        "triage_report": new.id or 0,
        "push_report": ready.id or 0,
        "send_reply": oid or 0,
    }


def test_rows_stuck_past_the_deadline_are_requeued_once(paused: PipelineEnv) -> None:
    old = _stuck_rows(paused, timedelta(minutes=30))
    recent = _stuck_rows(paused, timedelta(minutes=1))

    first = sweeper.sweep(paused.settings, DEADLINE)
    assert first.requeued == {name: [row_id] for name, row_id in old.items()}
    assert queued(paused) == sorted(old.items())

    second = sweeper.sweep(paused.settings, DEADLINE)  # requeued: not again for a full deadline
    assert second.total == 0 and second.held_back == len(old)
    assert queued(paused) == sorted(old.items())

    # The recent rows are now past a (zero) deadline too; the old ones' messages still wait.
    later = sweeper.sweep(paused.settings, timedelta(0))
    assert later.requeued == {name: [recent[name]] for name in old}
    assert later.held_back == len(old)


def test_requeued_rows_move_on(pipeline_env: PipelineEnv) -> None:
    old = _stuck_rows(pipeline_env, timedelta(minutes=30))
    sweeper.sweep(pipeline_env.settings, DEADLINE)
    pipeline_env.drain()
    pipeline_env.drain()  # triage and push enqueue their follow-ups
    with pipeline_env.session() as session:
        inbox = session.get(InboxMessage, old["process_message"])
        triaged = session.get(Report, old["triage_report"])
        pushed = session.get(Report, old["push_report"])
        reply = session.get(OutboxReply, old["send_reply"])
    assert inbox is not None and inbox.state == "processed" and inbox.report_id
    assert triaged is not None and triaged.state != "new"
    assert pushed is not None and pushed.state == "pushed" and pushed.tracking_number
    assert reply is not None and reply.state == "sent"


def test_ready_report_with_a_push_in_flight_is_left_alone(paused: PipelineEnv) -> None:
    with paused.session() as session:
        report = add_report(session, "ready", updated_at=LONG_AGO)
        session.add(
            CRMPush(report_id=report.id or 0, idempotency_key=f"jakarta-intake:{report.reference}")
        )  # updated just now: a worker is talking to the CRM
        session.commit()
    assert sweeper.sweep(paused.settings, DEADLINE).requeued["push_report"] == []


def test_pending_reply_not_yet_due_is_left_alone(paused: PipelineEnv) -> None:
    with paused.session() as session:
        anchor = add_inbox(session, message(channel="import"))
        oid = outbox.enqueue_reply(
            session,
            dedupe_key="status:7:1",
            kind="status_change",
            inbox=anchor,
            text="Kabar laporan JK7M-29QX-4: status kini Proses.",
            not_before=utcnow() + timedelta(hours=6),  # quiet hours
        )
        session.get(OutboxReply, oid).updated_at = LONG_AGO  # type: ignore[union-attr]
        session.commit()
    assert sweeper.sweep(paused.settings, DEADLINE).requeued["send_reply"] == []


def test_unanswered_question_goes_to_review_with_no_answer(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        expired = add_report(
            session,
            "needs_info",
            reasons=["missing_location"],
            info_requests=1,
            needs_info_until=utcnow() - timedelta(minutes=1),
        )
        waiting = add_report(
            session,
            "needs_info",
            reasons=["missing_location"],
            info_requests=1,
            needs_info_until=utcnow() + timedelta(hours=47),
        )
        session.commit()
    result = sweeper.sweep(pipeline_env.settings, DEADLINE)
    again = sweeper.sweep(pipeline_env.settings, DEADLINE)
    assert (result.expired_needs_info, again.expired_needs_info) == (1, 0)
    with pipeline_env.session() as session:
        states = {r.id: (r.state, r.reasons) for r in session.exec(select(Report)).all()}
    assert states[expired.id] == ("needs_review", ["missing_location", "no_answer"])
    assert states[waiting.id] == ("needs_info", ["missing_location"])


def _hold(env: PipelineEnv, handle: str, count: int, age: timedelta) -> list[int]:
    """`count` rate-limited messages from one sender, stored `age` ago."""
    from connectors import intake  # noqa: PLC0415

    ids = [
        intake.accept(message(sender=Sender(handle=handle)), hold_reason="rate_limited").inbox_id
        for _ in range(count)
    ]
    with env.session() as session:
        for row in session.exec(select(InboxMessage).where(InboxMessage.id.in_(ids))).all():  # type: ignore[union-attr]
            row.stored_at = utcnow() - age
        session.commit()
    return ids


def test_held_messages_enter_the_pipeline_after_the_hold_within_the_daily_cap(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_env.settings.pipeline, "held_daily_cap", 3)
    burst = _hold(pipeline_env, "whatsapp:+62000000077", 5, timedelta(hours=2))
    fresh = _hold(pipeline_env, "whatsapp:+62000000078", 1, timedelta(minutes=5))
    pipeline_env.drain()

    result = sweeper.sweep(pipeline_env.settings)
    pipeline_env.drain()

    assert result.released_held == burst[:3]  # oldest first, three a day for this sender
    with pipeline_env.session() as session:
        states = {
            row.id: row.state
            for row in session.exec(
                select(InboxMessage).where(InboxMessage.id.in_(burst + fresh))
            ).all()  # type: ignore[union-attr]
        }
        reports = session.exec(select(Report.inbox_message_id)).all()
    assert [states[i] for i in burst] == ["processed"] * 3 + ["held"] * 2
    assert states[fresh[0]] == "held"  # still inside its hold
    assert sorted(reports) == sorted(burst[:3])
    # The cap counts what already went in today: a second sweep releases nothing more.
    assert sweeper.sweep(pipeline_env.settings).released_held == []
