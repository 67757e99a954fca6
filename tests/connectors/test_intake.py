"""The one sink: idempotent store, batch + checkpoint atomically, malformed kept, heartbeats."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from connectors import intake
from connectors.contract import InboundMessage, Sender
from pipeline.models import InboxMessage, PollerCheckpoint, Report, utcnow
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import message, pg_pipeline_env  # noqa: F401  (fixture)

#: A Twilio WhatsApp delivery: Twilio retries a webhook it did not see answered in time, with
#: the same MessageSid (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides).
REDELIVERED = {"external_id": "SM5f0c9a7b3d2e41f6a8b7c6d5e4f3a2b1", "channel": "twilio"}


def _rows(env: PipelineEnv, model: Any) -> list[Any]:
    with env.session() as session:
        return list(session.exec(select(model)).all())


def _accept_three_times(env: PipelineEnv) -> None:
    msg = message(**REDELIVERED)
    acks = [intake.accept(msg) for _ in range(3)]
    env.drain()
    assert [a.created for a in acks] == [True, False, False]
    assert len({a.inbox_id for a in acks}) == 1
    inbox = _rows(env, InboxMessage)
    assert len(inbox) == 1
    assert inbox[0].payload["text"] == msg.text
    assert inbox[0].state == "processed"
    reports = _rows(env, Report)
    assert len(reports) == 1
    assert reports[0].inbox_message_id == acks[0].inbox_id


def test_redelivered_message_is_stored_and_reported_once(pipeline_env: PipelineEnv) -> None:
    _accept_three_times(pipeline_env)


@pytest.mark.postgres
def test_redelivered_message_is_stored_and_reported_once_postgresql(
    pg_pipeline_env: PipelineEnv,  # noqa: F811
) -> None:
    _accept_three_times(pg_pipeline_env)


def test_same_external_id_on_another_channel_is_another_message(pipeline_env: PipelineEnv) -> None:
    first = intake.accept(message(channel="twilio", external_id="42"))
    second = intake.accept(message(channel="telegram", external_id="42"))
    pipeline_env.drain()
    assert first.created and second.created and first.inbox_id != second.inbox_id
    assert len(_rows(pipeline_env, Report)) == 2


def test_held_message_is_stored_but_not_processed(pipeline_env: PipelineEnv) -> None:
    ack = intake.accept(message(), hold_reason="rate_limited")
    pipeline_env.drain()
    [row] = _rows(pipeline_env, InboxMessage)
    assert (row.id, row.state, row.error) == (ack.inbox_id, "held", "rate_limited")
    assert _rows(pipeline_env, Report) == []


def _batch(n: int, start: int = 0) -> list[InboundMessage]:
    return [
        message(channel="email", external_id=f"<{i}@mail.example>", sender=Sender(handle=""))
        for i in range(start, start + n)
    ]


def _batch_is_atomic(env: PipelineEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    cursor = {"uidvalidity": 1700000000, "uid": 3}
    acks = intake.accept_batch("email", _batch(3), cursor)
    env.drain()
    assert [a.created for a in acks] == [True, True, True]
    assert intake.load_checkpoint("email") == cursor

    real_save = intake._save_checkpoint

    def save_then_fail(*args: Any, **kwargs: Any) -> None:
        real_save(*args, **kwargs)  # the cursor write happens, then the transaction fails
        raise OSError("disk full")

    monkeypatch.setattr(intake, "_save_checkpoint", save_then_fail)
    with pytest.raises(OSError, match="disk full"):
        intake.accept_batch("email", _batch(2, start=3), {"uidvalidity": 1700000000, "uid": 5})
    env.drain()
    assert intake.load_checkpoint("email") == cursor  # neither the cursor ...
    assert len(_rows(env, InboxMessage)) == 3  # ... nor the rows of the failed batch
    assert len(_rows(env, Report)) == 3  # and nothing was enqueued for them

    monkeypatch.setattr(intake, "_save_checkpoint", real_save)
    retry = intake.accept_batch("email", _batch(3, start=2), {"uidvalidity": 1700000000, "uid": 5})
    env.drain()
    assert [a.created for a in retry] == [False, True, True]  # re-fetched overlap is recognised
    [checkpoint] = _rows(env, PollerCheckpoint)
    assert checkpoint.cursor == {"uidvalidity": 1700000000, "uid": 5}
    assert checkpoint.items_total == 5
    assert len(_rows(env, Report)) == 5


def test_batch_rows_and_checkpoint_commit_together(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    _batch_is_atomic(pipeline_env, monkeypatch)


@pytest.mark.postgres
def test_batch_rows_and_checkpoint_commit_together_postgresql(
    pg_pipeline_env: PipelineEnv,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _batch_is_atomic(pg_pipeline_env, monkeypatch)


def test_malformed_payload_is_kept_and_flagged(pipeline_env: PipelineEnv) -> None:
    raw = b'{"object":"page","entry":[{"id":"1234",'  # truncated Meta webhook body
    ack = intake.store_malformed("facebook", "", raw, "JSONDecodeError: Expecting value")
    again = intake.store_malformed("facebook", "mid.1", {"entry": "not a list"}, "no messaging")
    pipeline_env.drain()
    rows = {r.id: r for r in _rows(pipeline_env, InboxMessage)}
    assert ack.created and again.created
    assert rows[ack.inbox_id].state == "malformed"
    assert rows[ack.inbox_id].error == "JSONDecodeError: Expecting value"
    assert rows[ack.inbox_id].payload["raw"] == raw.decode()
    assert rows[ack.inbox_id].external_id.startswith("malformed-")
    assert rows[again.inbox_id].payload["raw"] == {"entry": "not a list"}
    assert _rows(pipeline_env, Report) == []  # ops look at it; the pipeline does not guess


def test_checkpoint_and_heartbeat_round_trip(pipeline_env: PipelineEnv) -> None:
    assert intake.load_checkpoint("twitter") is None
    intake.accept_batch("twitter", [], {"since_id": "1861234567890123456"})
    assert intake.load_checkpoint("twitter") == {"since_id": "1861234567890123456"}

    before = utcnow()
    intake.heartbeat("twitter", lag_seconds=42.5, note="800 mentions cap reached")
    intake.heartbeat("lapor1708", lag_seconds=None, note="first start")
    with pipeline_env.session() as session:
        twitter = session.get(PollerCheckpoint, "twitter")
        lapor = session.get(PollerCheckpoint, "lapor1708")
    assert twitter is not None and lapor is not None
    assert twitter.cursor == {"since_id": "1861234567890123456"}  # a heartbeat keeps the cursor
    assert twitter.lag_seconds == 42.5
    assert twitter.note == "800 mentions cap reached"
    assert twitter.heartbeat_at is not None
    assert before - timedelta(seconds=1) <= twitter.heartbeat_at <= utcnow()
    assert lapor.heartbeat_at is not None and lapor.lag_seconds is None


def _concurrent_redeliveries(env: PipelineEnv) -> None:
    """Meta redelivers while the first delivery is still being stored: 6 requests at once."""
    msg = message(channel="facebook", external_id="m_Xy7Qk2Jd9Lw3Rn5Tb8Vc1Hf4Ga6Sp0")
    start = threading.Barrier(6)

    def deliver(_: int) -> intake.Ack:
        start.wait(timeout=10)
        return intake.accept(msg)

    with ThreadPoolExecutor(6) as pool:
        acks = list(pool.map(deliver, range(6)))
    env.drain()
    assert sorted(a.created for a in acks) == [False] * 5 + [True]
    assert len({a.inbox_id for a in acks}) == 1
    assert len(_rows(env, InboxMessage)) == 1
    assert len(_rows(env, Report)) == 1


def test_concurrent_redeliveries_store_one_message(pipeline_env: PipelineEnv) -> None:
    _concurrent_redeliveries(pipeline_env)


@pytest.mark.postgres
def test_concurrent_redeliveries_store_one_message_postgresql(
    pg_pipeline_env: PipelineEnv,  # noqa: F811
) -> None:
    _concurrent_redeliveries(pg_pipeline_env)
