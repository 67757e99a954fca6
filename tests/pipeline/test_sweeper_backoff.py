"""The sweeper against a long backlog: no pile of duplicates, and nothing waits once Redis lost it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from dramatiq import Message
from sqlmodel import func, select

from pipeline import sweeper
from pipeline.models import InboxMessage, Report, utcnow
from pipeline.sweeper_backoff import CAP_DEADLINES, Backoff, queued_messages
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_inbox, message

DEADLINE = timedelta(seconds=120)  # settings.pipeline.stuck_after_s
EVERY = timedelta(seconds=30)  # settings.pipeline.sweep_interval_s
BACKLOG = 40


def _time_passes(memory: Backoff, delta: timedelta) -> None:
    """The sweeper's clock moves on (the rows are already long past their deadline)."""
    memory.entries = {k: (n, until - delta) for k, (n, until) in memory.entries.items()}


def _backlog(env: PipelineEnv, n: int = BACKLOG) -> list[int]:
    """Messages stored an hour ago and never processed: a backlog (or a lost queue)."""
    with env.session() as session:
        rows = [add_inbox(session, message(channel="import"), state="received") for _ in range(n)]
        for row in rows:
            row.updated_at = utcnow() - timedelta(hours=1)
        session.commit()
        return [row.id or 0 for row in rows]


def _messages_per_row(env: PipelineEnv) -> Counter[int]:
    raw = list(env.broker.queues["intake"].queue)  # type: ignore[attr-defined]
    return Counter(m.args[0] for m in map(Message.decode, raw) if m.actor_name == "process_message")


@pytest.fixture
def paused(pipeline_env: PipelineEnv) -> Iterator[PipelineEnv]:
    """Workers busy elsewhere: what the sweeper sends waits in the queue."""
    pipeline_env.worker.pause()
    yield pipeline_env
    pipeline_env.worker.resume()


def test_an_hour_of_backlog_gets_a_few_messages_per_row_not_one_per_pass(
    paused: PipelineEnv,
) -> None:
    ids = _backlog(paused)
    memory = Backoff()
    passes = int(timedelta(hours=1) / EVERY)
    held = []
    for _ in range(passes):
        held.append(sweeper.sweep(paused.settings, DEADLINE, backoff=memory).held_back)
        _time_passes(memory, EVERY)
    per_row = _messages_per_row(paused)
    assert set(per_row) == set(ids)
    # Re-enqueued at 0, 2, 6, 14 minutes, then every 16: 6 messages in the hour, not 30 (the
    # old one-per-deadline sweep) nor 120 (one per pass).
    assert set(per_row.values()) == {6}, per_row
    assert max(held) == BACKLOG
    assert queued_messages(paused.broker) == 6 * BACKLOG

    paused.worker.resume()
    paused.drain()
    with paused.session() as session:
        states = set(session.exec(select(InboxMessage.state)).all())
        reports = session.exec(select(func.count()).select_from(Report)).one()
    assert states == {"processed"} and reports == BACKLOG  # duplicates were harmless


def test_messages_lost_with_redis_are_requeued_at_once(paused: PipelineEnv) -> None:
    ids = _backlog(paused)
    memory = Backoff()
    assert sweeper.sweep(paused.settings, DEADLINE, backoff=memory).requeued[
        "process_message"
    ] == sorted(ids)
    held = sweeper.sweep(paused.settings, DEADLINE, backoff=memory)
    assert held.total == 0 and held.held_back == BACKLOG

    paused.broker.flush_all()  # Redis restarted without AOF: every queued message is gone
    assert queued_messages(paused.broker) == 0
    again = sweeper.sweep(paused.settings, DEADLINE, backoff=memory)
    assert again.requeued["process_message"] == sorted(ids) and again.held_back == 0

    paused.worker.resume()
    paused.drain()
    with paused.session() as session:
        assert set(session.exec(select(InboxMessage.state)).all()) == {"processed"}


def test_partial_loss_requeues_every_held_row() -> None:
    memory, now = Backoff(), datetime(2026, 11, 23, 9, 0)
    stuck = {"process_message": [1, 2, 3], "triage_report": [7]}
    first = memory.plan(stuck, now, DEADLINE, queued=0, limit=1000)
    assert first.requeue == stuck and not first.lost
    soon = now + EVERY
    assert memory.plan(stuck, soon, DEADLINE, queued=4, limit=1000).held_back == 4
    # Three of the four messages are gone: which ones cannot be told, so all go again.
    lost = memory.plan(stuck, soon, DEADLINE, queued=1, limit=1000)
    assert lost.lost and lost.requeue == stuck
    unknown = memory.plan(stuck, soon, DEADLINE, queued=None, limit=1000)  # broker unreachable
    assert unknown.lost and unknown.requeue == stuck


def test_back_off_doubles_up_to_the_cap_and_forgets_rows_that_moved_on() -> None:
    memory, now = Backoff(), datetime(2026, 11, 23, 9, 0)
    stuck = {"send_reply": [5]}
    sent_at = []
    for step in range(80):  # 40 minutes of passes, the queue always holding the message
        at = now + step * EVERY
        if memory.plan(stuck, at, DEADLINE, queued=1, limit=1000).requeue["send_reply"]:
            sent_at.append((at - now) / DEADLINE)
    assert sent_at == [0, 1, 3, 7, 15]  # waits of 1, 2, 4, 8 deadlines (then 8: 23 is too late)
    assert memory.entries[("send_reply", 5)][0] == 5
    assert CAP_DEADLINES == 8  # then every 8 deadlines (16 minutes at 120 s)
    memory.plan({"send_reply": []}, now, DEADLINE, queued=0, limit=1000)
    assert memory.entries == {}


def test_many_held_rows_do_not_hide_rows_stuck_later(
    paused: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backlog(paused, 30)
    memory = Backoff()
    monkeypatch.setattr(sweeper, "BATCH", 20)
    one = sweeper.sweep(paused.settings, DEADLINE, backoff=memory).requeued["process_message"]
    two = sweeper.sweep(paused.settings, DEADLINE, backoff=memory).requeued["process_message"]
    assert one == first[:20] and two == first[20:]  # the held 20 did not fill the second batch


def test_redis_backlog_is_held_and_a_redis_crash_is_requeued_at_once(
    pg_redis_env: PipelineEnv,
) -> None:
    env = pg_redis_env
    env.worker.pause()
    try:
        ids = _backlog(env, 10)
        memory = Backoff()
        sweeper.sweep(env.settings, DEADLINE, backoff=memory)
        assert queued_messages(env.broker) == 10  # read from dramatiq's Redis message hash
        held = sweeper.sweep(env.settings, DEADLINE, backoff=memory)
        assert held.total == 0 and held.held_back == 10 and queued_messages(env.broker) == 10
        env.broker.flush_all()  # type: ignore[attr-defined]  # restart without AOF
        again = sweeper.sweep(env.settings, DEADLINE, backoff=memory)
        assert again.requeued["process_message"] == sorted(ids)
    finally:
        env.worker.resume()
    env.drain()
    with env.session() as session:
        assert set(session.exec(select(InboxMessage.state)).all()) == {"processed"}


def test_rows_never_requeued_go_first_and_rows_left_over_keep_their_count() -> None:
    memory, now = Backoff(), datetime(2026, 11, 23, 9, 0)
    stuck = {"push_report": [1, 2, 3]}
    assert memory.plan(stuck, now, DEADLINE, queued=0, limit=2).requeue == {"push_report": [1, 2]}
    later = now + DEADLINE
    assert memory.plan(stuck, later, DEADLINE, queued=2, limit=2).requeue == {"push_report": [3, 1]}
    assert {k[1]: n for k, (n, _) in memory.entries.items()} == {1: 2, 2: 1, 3: 1}
