"""Dead letters: listed without personal data, retried once however often ops click, dropped with an audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from pipeline import deadletters, enqueue, stats
from pipeline.db import session_scope
from pipeline.models import (
    Attachment,
    AuditAction,
    CRMPush,
    InboxMessage,
    OutboxReply,
    Report,
    utcnow,
)
from pipeline.states import ReportState, transition
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import RecordingSender, add_inbox, add_report, message, use_sender

PHONE = "whatsapp:+6281234567890"


def _dead_rows(env: PipelineEnv) -> dict[str, int]:
    """One dead letter of every kind, as the pipeline leaves them."""
    old = utcnow() - timedelta(hours=3)
    with env.session() as session:
        failed = add_inbox(session, message(), state="failed")
        failed.error, failed.attempts = "OperationalError: database is locked", 5
        malformed = add_inbox(session, message(), state="malformed")
        malformed.error = "JSONDecodeError: Expecting value: line 1 column 1"
        held = add_inbox(session, message(), state="held")
        held.error, held.stored_at = "rate_limited", utcnow() - timedelta(days=2)
        recently_held = add_inbox(session, message(), state="held")  # the sweeper's, not ops'
        recently_held.error = "rate_limited"
        dead = add_report(session, "dead", channel="import", reasons=["crm_rejected"])
        session.add(
            CRMPush(
                report_id=dead.id or 0,
                idempotency_key=f"jakarta-intake:{dead.reference}",
                state="dead",
                attempts=1,
                last_error="CRM answered 400: service_code unknown",
            )
        )
        pushed = add_report(session, "pushed", channel="import", tracking_number="ABCD-EFGH-J")
        reply = OutboxReply(
            dedupe_key=f"confirmation:{pushed.id}",
            report_id=pushed.id,
            kind="confirmation",
            channel="import",
            recipient=PHONE,
            text="Terima kasih, laporan Anda kami terima.",
            state="dead",
            attempts=8,
            last_error="gave up after 8 attempts: TemporarilyUnavailable",
        )
        photo = Attachment(
            inbox_message_id=dead.inbox_message_id,
            report_id=dead.id,
            source_url="https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",
            created_at=old,
        )
        fresh_photo = Attachment(inbox_message_id=pushed.inbox_message_id, position=0)
        session.add_all([reply, photo, fresh_photo])
        session.commit()
        return {
            "message": failed.id or 0,
            "malformed": malformed.id or 0,
            "held": held.id or 0,
            "push": dead.id or 0,
            "reply": reply.id or 0,
            "media": photo.id or 0,
        }


def test_every_kind_is_listed_and_counted(pipeline_env: PipelineEnv) -> None:
    ids = _dead_rows(pipeline_env)
    with pipeline_env.session() as session:
        found = deadletters.list_dead(session)
        counts = deadletters.counts(session)
        only_replies = deadletters.list_dead(session, kind="reply")
    assert {d.kind: d.id for d in found} == ids  # the photo stored a minute ago is not dead yet
    assert counts == {kind: 1 for kind in deadletters.KINDS}
    assert [d.error for d in only_replies] == ["gave up after 8 attempts: TemporarilyUnavailable"]
    push = next(d for d in found if d.kind == "push")
    assert push.error == "CRM answered 400: service_code unknown"
    assert push.reference.startswith("IN-")
    assert PHONE not in repr(found)


def test_retry_is_idempotent_and_the_pipeline_finishes_the_work(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender()
    use_sender(monkeypatch, sender, "import")
    ids = _dead_rows(pipeline_env)
    for kind in ("push", "reply"):
        for _ in range(3):  # ops click three times
            with session_scope() as session:
                steps = deadletters.retry(session, kind, ids[kind], actor="ops:rina")
            enqueue.run(steps)
    pipeline_env.drain()
    with pipeline_env.session() as session:
        report_push = session.exec(select(CRMPush).where(CRMPush.report_id == ids["push"])).one()
        reply = session.get(OutboxReply, ids["reply"])
        audits = session.exec(select(AuditAction).where(AuditAction.action == "dead_retry")).all()
        still_dead = deadletters.counts(session)
    assert report_push.state == "done" and report_push.tracking_number
    assert reply is not None and reply.state == "sent"
    # one confirmation for the re-pushed report, one for the revived reply: never two of either
    keys = sorted(r.idempotency_key for r in sender.sent)
    assert len(keys) == len(set(keys)) == 2
    assert len(audits) == 2
    assert still_dead["push"] == still_dead["reply"] == 0


def test_retry_of_a_failed_message_reprocesses_it(pipeline_env: PipelineEnv) -> None:
    ids = _dead_rows(pipeline_env)
    with session_scope() as session:
        steps = deadletters.retry(session, "message", ids["message"], actor="ops:rina")
        again = deadletters.retry(session, "message", ids["message"], actor="ops:rina")
    assert len(steps) == 1 and again == []
    enqueue.run(steps)
    pipeline_env.drain()
    with pipeline_env.session() as session:
        row = session.get(InboxMessage, ids["message"])
    assert row is not None and row.state == "processed" and row.report_id is not None


def test_malformed_is_not_retried_but_can_be_dropped(pipeline_env: PipelineEnv) -> None:
    ids = _dead_rows(pipeline_env)
    with session_scope() as session, pytest.raises(deadletters.NotRetryable, match="replay"):
        deadletters.retry(session, "malformed", ids["malformed"], actor="ops:rina")
    for kind in deadletters.KINDS:
        with session_scope() as session:
            assert deadletters.drop(session, kind, ids[kind], "ops:rina", note="spam")
        with session_scope() as session:
            assert not deadletters.drop(session, kind, ids[kind], "ops:rina")
    with pipeline_env.session() as session:
        assert deadletters.list_dead(session) == []
        drops = session.exec(select(AuditAction).where(AuditAction.action == "dead_drop")).all()
        photo = session.get(Attachment, ids["media"])
    assert sorted(a.before["kind"] for a in drops) == sorted(deadletters.KINDS)
    assert {a.actor for a in drops} == {"ops:rina"}
    assert photo is not None and photo.rejected_reason == "dropped by ops: spam"


def test_dropped_push_leaves_dead_for_rejected_and_stops_being_counted(
    pipeline_env: PipelineEnv,
) -> None:
    ids = _dead_rows(pipeline_env)
    with pipeline_env.session() as session:
        assert stats.snapshot(session).per_state.get("dead") == 1
    with session_scope() as session:
        assert deadletters.drop(session, "push", ids["push"], "ops:rina", note="kategori lama")
    with pipeline_env.session() as session:
        report = session.get(Report, ids["push"])
        push = session.exec(select(CRMPush).where(CRMPush.report_id == ids["push"])).one()
        (entry,) = session.exec(select(AuditAction).where(AuditAction.action == "dead_drop"))
        now = stats.snapshot(session)
    assert report is not None and report.state == "rejected" and push.state == "dropped"
    assert report.reasons == ["crm_rejected"]  # why it never reached the CRM stays readable
    assert (entry.report_id, entry.before["state"], entry.after["state"]) == (
        ids["push"],
        "dead",
        "rejected",
    )
    assert "dead" not in now.per_state and now.per_state["rejected"] == 1
    assert now.dead_letters["push"] == 0
    # Still the admin's call: a dropped report can be reopened for review like any rejection.
    with session_scope() as session:
        assert transition(session, ids["push"], ReportState.REJECTED, ReportState.NEEDS_REVIEW)


def test_report_dropped_before_the_fix_is_listed_again_and_finished(
    pipeline_env: PipelineEnv,
) -> None:
    ids = _dead_rows(pipeline_env)
    with session_scope() as session:  # what the old drop left behind: dead report, dropped push
        session.get(CRMPush, _push_id(session, ids["push"])).state = "dropped"  # type: ignore[union-attr]
    with session_scope() as session:
        assert [d.id for d in deadletters.list_dead(session, kind="push")] == [ids["push"]]
        assert deadletters.drop(session, "push", ids["push"], "ops:rina", note="sisa lama")
    with pipeline_env.session() as session:
        report = session.get(Report, ids["push"])
    assert report is not None and report.state == "rejected"


def _push_id(session: Session, report_id: int) -> int:
    return session.exec(select(CRMPush.id).where(CRMPush.report_id == report_id)).one() or 0


def test_unknown_kind_is_refused(pipeline_env: PipelineEnv) -> None:
    with session_scope() as session, pytest.raises(ValueError, match="one of message"):
        deadletters.retry(session, "webhook", 1, actor="ops")


def test_a_message_held_past_the_daily_cap_is_released_by_a_retry(
    pipeline_env: PipelineEnv,
) -> None:
    ids = _dead_rows(pipeline_env)
    with session_scope() as session:
        steps = deadletters.retry(session, "held", ids["held"], "ops@test")
    enqueue.run(steps)
    pipeline_env.drain()
    with session_scope() as session:
        again = deadletters.retry(session, "held", ids["held"], "ops@test")
    with pipeline_env.session() as session:
        row = session.get(InboxMessage, ids["held"])
    assert steps and again == []
    assert row is not None and row.state == "processed" and row.report_id
