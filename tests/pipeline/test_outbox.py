"""The outbox: each reply recorded once and sent at most once, retried, dead-lettered, reconciled."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from connectors.contract import AuthFailed, Sender, TemporarilyUnavailable
from pipeline import actors, outbox, push, sweeper
from pipeline.models import OutboxReply, utcnow
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import (
    RecordingSender,
    add_inbox,
    message,
    replies_file,
    use_sender,
)

CONFIRMATION = (
    "Terima kasih, laporan Anda sudah kami terima dan diteruskan ke petugas. "
    "Nomor laporan: JK7M-29QX-4. Cek status kapan saja dengan membalas: STATUS JK7M-29QX-4"
)


def _enqueue(env: PipelineEnv, channel: str = "twilio", key: str = "report:1:confirmation") -> int:
    with env.session() as session:
        inbox = add_inbox(
            session,
            message(
                channel=channel,
                sender=Sender(handle="whatsapp:+62000000002"),
                reply_context={"to": "whatsapp:+62000000002"},
            ),
        )
        oid = outbox.enqueue_reply(
            session, dedupe_key=key, kind="confirmation", inbox=inbox, text=CONFIRMATION
        )
        session.commit()
    assert oid is not None
    return oid


def _row(env: PipelineEnv, oid: int) -> OutboxReply:
    with env.session() as session:
        row = session.get(OutboxReply, oid)
    assert row is not None
    return row


def _make_due(env: PipelineEnv, oid: int) -> None:
    """Let the clock run past the retry time."""
    with env.session() as session:
        session.execute(
            update(OutboxReply)
            .where(OutboxReply.id == oid)  # type: ignore[arg-type]
            .values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()


def test_same_reply_is_recorded_once(pipeline_env: PipelineEnv) -> None:
    oid = _enqueue(pipeline_env)
    with pipeline_env.session() as session:
        inbox = add_inbox(session, message())
        again = outbox.enqueue_reply(
            session, dedupe_key="report:1:confirmation", kind="confirmation", inbox=inbox, text="x"
        )
        session.commit()
        rows = session.exec(select(OutboxReply)).all()
    assert again is None
    assert [r.id for r in rows] == [oid]
    assert rows[0].recipient == "whatsapp:+62000000002"
    assert rows[0].reply_context == {"to": "whatsapp:+62000000002"}


def _sent_once_when_enqueued_three_times(env: PipelineEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    sender = RecordingSender()
    use_sender(monkeypatch, sender, "twilio")
    oid = _enqueue(env)
    for _ in range(3):  # three worker threads race for the same row
        actors.send_reply.send(oid)
    env.drain()
    for _ in range(3):
        assert push.send_reply(oid) == []
    assert [r.text for r in sender.sent] == [CONFIRMATION]
    assert sender.sent[0].recipient == "whatsapp:+62000000002"
    assert sender.sent[0].idempotency_key == "report:1:confirmation"
    row = _row(env, oid)
    assert (row.state, row.attempts, row.provider_message_id) == ("sent", 1, "test-1")
    assert row.sent_at is not None


def test_reply_enqueued_three_times_is_sent_once(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sent_once_when_enqueued_three_times(pipeline_env, monkeypatch)


@pytest.mark.postgres
def test_reply_enqueued_three_times_is_sent_once_postgresql(
    pg_pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sent_once_when_enqueued_three_times(pg_pipeline_env, monkeypatch)


def test_rate_limited_reply_waits_for_retry_after_then_is_sent_once(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Twilio answers 429 with Retry-After; WhatsApp rate limits likewise (error 63018).
    sender = RecordingSender([TemporarilyUnavailable("429 Too Many Requests", retry_after=120)])
    use_sender(monkeypatch, sender, "twilio")
    oid = _enqueue(pipeline_env)
    before = utcnow()
    after_commit = push.send_reply(oid)
    row = _row(pipeline_env, oid)
    assert row.state == "pending"
    assert row.last_error == "429 Too Many Requests"
    assert (
        before + timedelta(seconds=119) <= row.next_attempt_at <= utcnow() + timedelta(seconds=121)
    )
    assert len(after_commit) == 1  # a delayed re-send, scheduled once the row is committed

    assert push.send_reply(oid) == []  # not due yet: nothing is sent early
    assert sender.calls == 1

    _make_due(pipeline_env, oid)
    actors.send_reply.send(oid)
    actors.send_reply.send(oid)
    pipeline_env.drain()
    assert [r.text for r in sender.sent] == [CONFIRMATION]
    row = _row(pipeline_env, oid)
    assert (row.state, row.attempts, row.last_error) == ("sent", 2, "")


def test_failure_without_retry_after_backs_off_exponentially(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_sender(monkeypatch, RecordingSender([ConnectionResetError("peer reset")] * 2), "twilio")
    oid = _enqueue(pipeline_env)
    waits = []
    for _ in range(2):
        push.send_reply(oid)
        row = _row(pipeline_env, oid)
        waits.append(round((row.next_attempt_at - row.updated_at).total_seconds()))
        assert row.last_error == "ConnectionResetError: peer reset"
        _make_due(pipeline_env, oid)
    assert waits == [5, 10]
    push.send_reply(oid)
    assert _row(pipeline_env, oid).state == "sent"


def test_refused_credentials_dead_letter_the_reply(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    sender = RecordingSender([AuthFailed("HTTP 401: Authenticate (Twilio error 20003)")])
    use_sender(monkeypatch, sender, "twilio")
    oid = _enqueue(pipeline_env)
    assert push.send_reply(oid) == []
    _make_due(pipeline_env, oid)
    push.send_reply(oid)
    row = _row(pipeline_env, oid)
    assert row.state == "dead"
    assert row.last_error == "AuthFailed: HTTP 401: Authenticate (Twilio error 20003)"
    assert sender.calls == 1 and sender.sent == []


def test_gives_up_after_reply_max_attempts(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline_env.settings.pipeline, "reply_max_attempts", 3)
    sender = RecordingSender([TemporarilyUnavailable("503 Service Unavailable")] * 10)
    use_sender(monkeypatch, sender, "twilio")
    oid = _enqueue(pipeline_env)
    for _ in range(5):
        push.send_reply(oid)
        _make_due(pipeline_env, oid)
    row = _row(pipeline_env, oid)
    assert sender.calls == 3
    assert (row.state, row.attempts) == ("dead", 3)
    assert row.last_error == "gave up after 3 attempts: 503 Service Unavailable"


def test_channel_without_sender_dead_letters(pipeline_env: PipelineEnv) -> None:
    oid = _enqueue(pipeline_env, channel="kantor_kelurahan")
    push.send_reply(oid)
    row = _row(pipeline_env, oid)
    assert (row.state, row.last_error) == ("dead", "channel 'kantor_kelurahan' has no reply sender")


def _interrupted(env: PipelineEnv, channel: str, key: str, minutes_ago: float = 10) -> int:
    """A reply a killed worker left in `sending`."""
    oid = _enqueue(env, channel=channel, key=key)
    with env.session() as session:
        session.execute(
            update(OutboxReply)
            .where(OutboxReply.id == oid)  # type: ignore[arg-type]
            .values(
                state="sending", attempts=1, updated_at=utcnow() - timedelta(minutes=minutes_ago)
            )
        )
        session.commit()
    return oid


def _file_keys(env: PipelineEnv) -> list[str]:
    path = replies_file(env)
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    return [json.loads(line)["idempotency_key"] for line in lines]


def test_reconcile_resolves_interrupted_sends(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_sender(monkeypatch, RecordingSender(), "twilio")
    delivered = _interrupted(pipeline_env, "import", "report:1:confirmation")
    lost = _interrupted(pipeline_env, "import", "report:2:confirmation")
    unknown = _interrupted(pipeline_env, "twilio", "report:3:confirmation")
    live = _interrupted(pipeline_env, "import", "report:4:confirmation", minutes_ago=0)
    # The killed worker had written the first reply to the file before it died.
    from connectors.file_import import build_reply_sender  # noqa: PLC0415

    build_reply_sender(pipeline_env.settings).send(outbox.to_reply(_row(pipeline_env, delivered)))

    with pipeline_env.session() as session:
        retry = outbox.reconcile_stuck(session, pipeline_env.settings, timedelta(minutes=5))
        session.commit()
    assert retry == [lost]
    assert _row(pipeline_env, delivered).state == "sent"
    assert _row(pipeline_env, lost).state == "pending"
    assert _row(pipeline_env, unknown).state == "dead"
    assert _row(pipeline_env, unknown).last_error == "interrupted while sending; unknown"
    assert _row(pipeline_env, live).state == "sending"  # maybe in a live worker's hands

    result = sweeper.sweep(pipeline_env.settings, timedelta(minutes=5))
    pipeline_env.drain()
    assert result.requeued["send_reply"] == []  # already reconciled by the first pass
    actors.send_reply.send(lost)
    pipeline_env.drain()
    assert _file_keys(pipeline_env) == ["report:1:confirmation", "report:2:confirmation"]


def test_sweep_reconciles_and_resends_what_was_lost(pipeline_env: PipelineEnv) -> None:
    lost = _interrupted(pipeline_env, "import", "report:9:confirmation")
    result = sweeper.sweep(pipeline_env.settings, timedelta(minutes=5))
    pipeline_env.drain()
    assert result.requeued["send_reply"] == [lost]
    assert _row(pipeline_env, lost).state == "sent"
    assert _file_keys(pipeline_env) == ["report:9:confirmation"]


def test_a_message_without_a_sender_gets_no_reply_row(pipeline_env: PipelineEnv) -> None:
    # e.g. a walk-in citizen who left no contact: a reply could only become a dead letter
    with pipeline_env.session() as session:
        inbox = add_inbox(session, message(channel="walkin", sender=Sender(handle="")))
        oid = outbox.enqueue_reply(
            session, dedupe_key="report:9:confirmation", kind="confirmation", inbox=inbox, text="x"
        )
        session.commit()
        rows = session.exec(select(OutboxReply)).all()
    assert oid is None and rows == []
