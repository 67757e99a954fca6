"""Re-enqueue rows stuck past a deadline, expire unanswered questions: nothing waits forever."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import structlog
from sqlalchemy import func, update
from sqlmodel import Session, select

from config.settings import Settings
from pipeline import outbox
from pipeline.db import session_scope
from pipeline.models import CRMPush, InboxMessage, OutboxReply, Report, utcnow
from pipeline.states import ReportState, transition
from pipeline.sweeper_backoff import Backoff, memory_for, queued_messages

log = structlog.get_logger(__name__)
BATCH = 1000


@dataclass
class SweepResult:
    """What one sweep re-enqueued or moved, by actor or action."""

    requeued: dict[str, list[int]] = field(default_factory=dict)
    expired_needs_info: int = 0
    released_held: list[int] = field(default_factory=list)
    held_back: int = 0  # stuck, but re-enqueued recently: waiting for its back-off

    @property
    def total(self) -> int:
        """Rows touched."""
        return (
            sum(len(v) for v in self.requeued.values())
            + self.expired_needs_info
            + len(self.released_held)
        )


def _ids(session: Session, stmt: object) -> list[int]:
    return [int(i) for i in session.exec(stmt).all()]  # type: ignore[call-overload]


def find_stuck(
    session: Session, older_than: timedelta, extra: dict[str, int] | None = None
) -> dict[str, list[int]]:
    """Rows whose next step should have happened by now, keyed by the actor that does it.

    Longest-stuck first: BATCH of them plus `extra[actor]` (rows the back-off remembers), so
    remembered rows never crowd out rows that got stuck later.
    """
    now = utcnow()
    cutoff = now - older_than
    extra = extra or {}

    def limit(name: str) -> int:
        return BATCH + extra.get(name, 0)

    return {
        "process_message": _ids(
            session,
            select(InboxMessage.id)
            .where(InboxMessage.state == "received", InboxMessage.updated_at < cutoff)
            .order_by(InboxMessage.updated_at, InboxMessage.id)  # type: ignore[arg-type]
            .limit(limit("process_message")),
        ),
        "triage_report": _ids(
            session,
            select(Report.id)
            .where(Report.state == ReportState.NEW.value, Report.updated_at < cutoff)
            .order_by(Report.updated_at, Report.id)  # type: ignore[arg-type]
            .limit(limit("triage_report")),
        ),
        "push_report": _ids(
            session,
            select(Report.id)
            .join(CRMPush, CRMPush.report_id == Report.id, isouter=True)
            .where(
                Report.state == ReportState.READY.value,
                Report.updated_at < cutoff,
                (CRMPush.updated_at == None) | (CRMPush.updated_at < cutoff),  # noqa: E711
            )
            .order_by(Report.updated_at, Report.id)  # type: ignore[arg-type]
            .limit(limit("push_report")),
        ),
        "send_reply": _ids(
            session,
            select(OutboxReply.id)
            .where(
                OutboxReply.state == "pending",
                OutboxReply.next_attempt_at <= now,
                OutboxReply.updated_at < cutoff,
            )
            .order_by(OutboxReply.updated_at, OutboxReply.id)  # type: ignore[arg-type]
            .limit(limit("send_reply")),
        ),
    }


#: The actors the sweeper re-enqueues (find_stuck's keys).
_ACTORS = ("process_message", "triage_report", "push_report", "send_reply")


def expire_needs_info(session: Session) -> int:
    """Questions the citizen did not answer in time: the report goes to admin review."""
    expired = session.exec(
        select(Report).where(
            Report.state == ReportState.NEEDS_INFO.value, Report.needs_info_until < utcnow()
        )
    ).all()  # type: ignore[operator]
    moved = 0
    for report in expired:
        reasons = [*report.reasons, "no_answer"]
        moved += transition(
            session,
            report.id or 0,
            ReportState.NEEDS_INFO,
            ReportState.NEEDS_REVIEW,
            reasons=reasons,
        )
    return moved


def release_held(session: Session, settings: Settings) -> list[int]:
    """Rate-limited messages enter the pipeline after the hold, within a daily cap per sender.

    A burst from a real citizen (one photo per message is common on WhatsApp) must not be lost;
    a flood must not become thousands of reports at once. Counted per (channel, sender): what
    went into the pipeline in the last 24 hours, so the cap holds across sweeps.
    """
    now = utcnow()
    held = session.exec(
        select(InboxMessage.id, InboxMessage.channel, InboxMessage.sender_handle)
        .where(
            InboxMessage.state == "held",
            InboxMessage.stored_at
            < now - timedelta(minutes=settings.pipeline.held_release_after_min),
        )
        .order_by(InboxMessage.id)  # type: ignore[arg-type]
        .limit(BATCH)
    ).all()
    room: dict[tuple[str, str], int] = {}
    released: list[int] = []
    for inbox_id, channel, handle in held:
        key = (channel, handle)
        if key not in room:
            went_in = session.exec(
                select(func.count())
                .select_from(InboxMessage)
                .where(
                    InboxMessage.channel == channel,
                    InboxMessage.sender_handle == handle,
                    InboxMessage.stored_at > now - timedelta(days=1),
                    InboxMessage.state.in_(["received", "processed", "failed"]),  # type: ignore[attr-defined]
                )
            ).one()
            room[key] = max(0, settings.pipeline.held_daily_cap - int(went_in))
        if room[key] > 0:
            room[key] -= 1
            released.append(inbox_id)
    if released:
        table = InboxMessage.__table__  # type: ignore[attr-defined]
        session.execute(
            update(table)
            .where(table.c.id.in_(released), table.c.state == "held")
            .values(state="received", updated_at=now)
        )
    return released


def sweep(
    settings: Settings,
    older_than: timedelta | None = None,
    *,
    sending_older_than: timedelta | None = None,
    enqueue: bool = True,
    backoff: Backoff | None = None,
) -> SweepResult:
    """One pass: reconcile interrupted replies, expire questions, re-enqueue stuck rows.

    `sending_older_than` is kept separate: a reply in `sending` may be in a live worker's hands,
    so it is only reconciled once it is surely abandoned. A row that stays stuck is re-enqueued
    with a back-off (pipeline/sweeper_backoff.py), not on every pass.
    """
    from pipeline import actors  # noqa: PLC0415

    older_than = (
        older_than if older_than is not None else timedelta(seconds=settings.pipeline.stuck_after_s)
    )
    sending_older_than = max(sending_older_than or older_than, timedelta(seconds=30))
    broker = actors.process_message.broker
    memory = backoff or memory_for(settings.effective_database_url, broker)
    result = SweepResult()
    now = utcnow()
    with session_scope() as session:
        retry = outbox.reconcile_stuck(session, settings, sending_older_than)
        result.expired_needs_info = expire_needs_info(session)
        stuck = find_stuck(session, older_than, {n: memory.remembered(n) for n in _ACTORS})
        if enqueue:
            plan = memory.plan(stuck, now, older_than, queued_messages(broker), BATCH)
            result.requeued, result.held_back = plan.requeue, plan.held_back
            result.released_held = release_held(session, settings)
        else:
            result.requeued = stuck
    result.requeued["send_reply"] = sorted(set(result.requeued["send_reply"]) | set(retry))
    result.requeued["process_message"] += result.released_held
    if enqueue:
        for name, ids in result.requeued.items():
            for row_id in ids:
                getattr(actors, name).send(row_id)
    if result.total or result.held_back:
        log.info(
            "sweep",
            **{k: len(v) for k, v in result.requeued.items()},
            expired_needs_info=result.expired_needs_info,
            released_held=len(result.released_held),
            held_back=result.held_back,
        )
    return result
