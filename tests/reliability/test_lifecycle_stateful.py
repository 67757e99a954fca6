"""Hypothesis state machine over the report lifecycle and outbox, with this test as the worker.

No worker thread runs: each rule takes at most one queued dramatiq message and runs it, drops
it (Redis lost it), or runs it and puts it back (the worker died before the ack, so it comes
again). Deliveries, redeliveries, sweeps, time passing, admin actions (pipeline/review.py) and
CRM status changes interleave freely; the invariants hold after every step.
"""

from __future__ import annotations

import json
import queue
import shutil
import tempfile
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from dramatiq import Message
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from sqlmodel import select

from connectors import intake
from crm_core.statuses import ALLOWED as CRM_ALLOWED
from crm_core.statuses import Status
from pipeline import enqueue, outbox, review, sweeper, sync
from pipeline.crm import get_client
from pipeline.db import get_engine, session_scope
from pipeline.models import InboxMessage, OutboxReply, Report
from pipeline.states import ALLOWED, ReportState
from tests.conftest import close_env, make_env
from tests.reliability.settle import synthetic

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]
#: Complete complaints, one repeated word for word under another id (a duplicate), and one
#: without any address (asked for more, or reviewed).
MESSAGES = [
    *synthetic(4, seed=41),
    *(m.model_copy(update={"external_id": "dup-0"}) for m in synthetic(1, seed=41)),
    *(
        m.model_copy(update={"external_id": "vague", "text": "Tolong jalan rusak parah"})
        for m in synthetic(1, seed=43)
    ),
]
MAIN, DELAYED = "intake", "intake.DQ"
TABLES_WITH_CLOCKS = ("inbox_message", "report", "outbox_reply", "crm_push")


def _reachable(source: str) -> set[str]:
    seen, todo = set(), [ReportState(source)]
    while todo:
        for nxt in ALLOWED[todo.pop()]:
            if nxt.value not in seen:
                seen.add(nxt.value)
                todo.append(nxt)
    return seen


class Lifecycle(RuleBasedStateMachine):
    """The pipeline on a fresh SQLite database, driven one queued message at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="intake-lifecycle-"))
        self.patch = pytest.MonkeyPatch()
        self.env = make_env(self.patch, self.tmp)
        self.env.worker.stop()  # we are the worker
        self.history: dict[int, list[str]] = {}

    # -- the queue, worked by hand ------------------------------------------------------------

    def _pop(self) -> bytes | None:
        try:
            data = self.env.broker.queues[MAIN].get_nowait()  # type: ignore[attr-defined]
        except queue.Empty:
            return None
        self.env.broker.queues[MAIN].task_done()  # type: ignore[attr-defined]
        return data

    def _execute(self, data: bytes) -> None:
        message = Message.decode(data)
        actor = self.env.broker.get_actor(message.actor_name)
        try:
            actor.fn(*message.args, **message.kwargs)
        except Exception:  # noqa: BLE001 - dramatiq's Retries would send it again
            self.env.broker.queues[MAIN].put(data)  # type: ignore[attr-defined]

    @initialize()
    def deliver_all(self) -> None:
        """Every message arrives once before the interleaving starts."""
        for msg in MESSAGES:
            intake.accept(msg)

    @rule(n=st.integers(0, len(MESSAGES) - 1))
    def deliver(self, n: int) -> None:
        """A provider delivers (or redelivers) a message."""
        intake.accept(MESSAGES[n])

    @rule()
    def run_next(self) -> None:
        if (data := self._pop()) is not None:
            self._execute(data)

    @rule()
    def drop_next(self) -> None:
        """Redis without AOF restarted: the queued message is gone."""
        self._pop()

    @rule()
    def run_and_redeliver(self) -> None:
        """The worker did the work and died before the ack: the message comes again."""
        if (data := self._pop()) is not None:
            self._execute(data)
            self.env.broker.queues[MAIN].put(data)  # type: ignore[attr-defined]

    @rule()
    def time_passes(self) -> None:
        """Ten minutes pass: row clocks age, delayed retries come due."""
        with get_engine().begin() as conn:
            for table in TABLES_WITH_CLOCKS:
                conn.execute(
                    text(f"UPDATE {table} SET updated_at = datetime(updated_at, '-600 seconds')")
                )  # noqa: S608
            conn.execute(
                text(
                    "UPDATE outbox_reply SET next_attempt_at = datetime(next_attempt_at, '-600 seconds')"
                )
            )
        delayed = self.env.broker.queues[DELAYED]  # type: ignore[attr-defined]
        while not delayed.empty():
            self.env.broker.queues[MAIN].put(delayed.get_nowait())  # type: ignore[attr-defined]
            delayed.task_done()

    @rule()
    def sweep(self) -> None:
        sweeper.sweep(self.env.settings, older_than=timedelta(seconds=120))

    @rule(pick=st.integers(0, 10), sent=st.booleans())
    def crash_while_sending(self, pick: int, sent: bool) -> None:
        """A worker claims a reply and dies, before or after the provider took it."""
        with session_scope() as session:
            ids = session.exec(select(OutboxReply.id).where(OutboxReply.state == "pending")).all()
            row = outbox.claim(session, ids[pick % len(ids)]) if ids else None
        if row is not None and sent:
            outbox.deliver(row, self.env.settings)  # the reply went out; the ack never came

    # -- people ---------------------------------------------------------------------------------

    @rule(
        action=st.sampled_from(["approve", "reject", "request_info", "merge", "retry"]),
        pick=st.integers(0, 10),
    )
    def admin(self, action: str, pick: int) -> None:
        """A reviewer acts on a report in the queue (or a dead one)."""
        with session_scope() as session:
            wanted = "dead" if action == "retry" else "needs_review"
            ids = session.exec(select(Report.id).where(Report.state == wanted)).all()
            open_ids = session.exec(
                select(Report.id).where(Report.state.in_(["pushed", "ready", "needs_review"]))
            ).all()  # type: ignore[attr-defined]
            if not ids:
                return
            report_id = ids[pick % len(ids)]
            args: dict[str, object] = {
                "reject": {"reason": "spam"},
                "request_info": {"ask": ["address"]},
                "merge": {"original_id": open_ids[pick % len(open_ids)] if open_ids else 0},
            }.get(action, {})
            try:
                steps = getattr(review, action)(session, report_id, "penguji", **args)
            except review.ReviewError:
                return
        enqueue.run(steps)

    @rule(pick=st.integers(0, 10), choice=st.integers(0, 1))
    def crm_status_change(self, pick: int, choice: int) -> None:
        """An officer moves a ticket on; the status sync tells the citizen."""
        core = get_client(self.env.settings).core  # type: ignore[attr-defined]
        with session_scope() as session:
            numbers = session.exec(
                select(Report.tracking_number).where(Report.state == "pushed")
            ).all()
        if not numbers:
            return
        ticket = core.get(numbers[pick % len(numbers)], with_history=False)
        options = sorted(CRM_ALLOWED[Status(ticket.status)], key=lambda s: s.value)
        if options:
            target = options[choice % len(options)]
            core.transition(
                ticket.tracking_number,
                target.value,
                "petugas",
                note="dicek ulang",
                photo_urls=["https://media.example.org/hasil.jpg"],
            )
        sync.sync_status(self.env.settings)

    # -- invariants -----------------------------------------------------------------------------

    @invariant()
    def one_report_per_message(self) -> None:
        with self.env.session() as session:
            inbox = session.exec(select(InboxMessage.channel, InboxMessage.external_id)).all()
            reports = session.exec(select(Report.inbox_message_id)).all()
        assert len(inbox) == len(set(inbox))
        assert len(reports) == len(set(reports))

    @invariant()
    def one_ticket_per_report(self) -> None:
        core = get_client(self.env.settings).core  # type: ignore[attr-defined]
        tickets = Counter(t.reference for t in core.search(limit=1000))
        assert all(n == 1 for n in tickets.values()), tickets
        with self.env.session() as session:
            pushed = session.exec(select(Report.reference).where(Report.state == "pushed")).all()
        assert set(pushed) <= set(tickets)

    @invariant()
    def one_reply_per_report_and_kind(self) -> None:
        with self.env.session() as session:
            rows = session.exec(select(OutboxReply)).all()
            rounds = dict(session.exec(select(Report.id, Report.info_requests)).all())
        per_kind = Counter(
            (r.report_id, r.inbox_message_id, r.kind) for r in rows if r.kind != "status_change"
        )
        for (report_id, _, kind), n in per_kind.items():
            assert n <= (max(1, rounds.get(report_id, 0)) if kind == "needs_info" else 1), per_kind
        path = self.env.var_dir / "replies" / "import.jsonl"
        lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
        sent = Counter(json.loads(line)["idempotency_key"] for line in lines)
        assert all(n == 1 for n in sent.values()), sent

    @invariant()
    def no_state_skipped(self) -> None:
        with self.env.session() as session:
            states = session.exec(select(Report.id, Report.state)).all()
        for report_id, state in states:
            past = self.history.setdefault(report_id or 0, [])
            if past and past[-1] != state:
                assert state in _reachable(past[-1]), (past, state)
            if not past or past[-1] != state:
                past.append(state)

    def teardown(self) -> None:
        try:
            for _ in range(60):  # then everything owed gets done
                while (data := self._pop()) is not None:
                    self._execute(data)
                self.time_passes()
                self.sweep()
                if self.env.broker.queues[MAIN].empty():  # type: ignore[attr-defined]
                    break
            self.one_reply_per_report_and_kind()
            with self.env.session() as session:
                owed = session.exec(
                    select(Report.state).where(Report.state.in_(["new", "ready"]))
                ).all()  # type: ignore[attr-defined]
                unsent = session.exec(
                    select(OutboxReply.state).where(OutboxReply.state.in_(["pending", "sending"]))
                ).all()  # type: ignore[attr-defined]
                stuck = session.exec(
                    select(InboxMessage.id).where(InboxMessage.state == "received")
                ).all()
            assert not owed and not unsent and not stuck, (owed, unsent, stuck)
        finally:
            close_env(self.env)
            self.patch.undo()
            shutil.rmtree(self.tmp, ignore_errors=True)


def test_lifecycle_invariants_hold_under_any_interleaving(long_run: bool) -> None:
    run_state_machine_as_test(
        Lifecycle,
        settings=settings(
            max_examples=80 if long_run else 25,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
