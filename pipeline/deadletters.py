"""Dead letters: rows that exhausted their retries, listed, retried (idempotently) or dropped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy import and_, func, insert, literal, select, update
from sqlmodel import Session

from pipeline.enqueue import AfterCommit, later
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

log = structlog.get_logger(__name__)

#: message: processing failed MAX_ATTEMPTS times; malformed: the connector could not parse it;
#: push: the CRM refused the report (4xx); reply: a reply gave up; media: a photo never arrived.
KINDS = ("message", "malformed", "held", "push", "reply", "media")
#: Kinds a retry can help: a malformed payload needs a parser fix and a replay, not a retry.
RETRYABLE = frozenset({"message", "held", "push", "reply", "media"})
#: Kinds whose row is the stored message itself (inbox_message).
INBOX_KINDS = ("message", "malformed", "held")
#: Rate-limited messages still held this long were over their sender's daily cap: ops decide.
HELD_AGE = timedelta(days=1)
DEFAULT_MEDIA_AGE = timedelta(hours=1)

_inbox = InboxMessage.__table__  # type: ignore[attr-defined]
_report = Report.__table__  # type: ignore[attr-defined]
_push = CRMPush.__table__  # type: ignore[attr-defined]
_outbox = OutboxReply.__table__  # type: ignore[attr-defined]
_attachment = Attachment.__table__  # type: ignore[attr-defined]


class NotRetryable(ValueError):
    """This kind of dead letter is not fixed by a retry (the message says what is)."""


@dataclass(frozen=True)
class DeadLetter:
    """One dead row as ops see it: no personal data, only what to act on."""

    kind: str
    id: int
    channel: str
    error: str
    attempts: int
    since: datetime
    report_id: int | None = None
    reference: str = ""


@dataclass(frozen=True)
class Dropped:
    """What a drop did: true when the row was dead, and the replies to send after commit."""

    done: bool
    steps: AfterCommit = field(default_factory=list)

    def __bool__(self) -> bool:
        """True when the row was dead and is dropped now."""
        return self.done


def _inbox_where(kind: str) -> Any:
    if kind == "held":
        return and_(_inbox.c.state == "held", _inbox.c.stored_at < utcnow() - HELD_AGE)
    return _inbox.c.state == ("failed" if kind == "message" else "malformed")


def _push_where() -> Any:
    # Dropping a push moves its report dead -> rejected, so `dead` is exactly this list (a
    # report dropped before that move existed shows up again: dropping it once more finishes it).
    return _report.c.state == ReportState.DEAD.value


def _media_where(older_than: timedelta) -> Any:
    return and_(
        _attachment.c.sha256 == "",
        _attachment.c.rejected_reason == "",
        _attachment.c.created_at < utcnow() - older_than,
    )


def _query(kind: str, media_age: timedelta) -> Any:
    """The select of one kind, every row shaped like DeadLetter's fields."""
    if kind in INBOX_KINDS:
        return select(
            literal(kind).label("kind"),
            _inbox.c.id,
            _inbox.c.channel,
            _inbox.c.error,
            _inbox.c.attempts,
            _inbox.c.updated_at.label("since"),
            _inbox.c.report_id,
            literal("").label("reference"),
        ).where(_inbox_where(kind))
    if kind == "push":
        return (
            select(
                literal(kind).label("kind"),
                _report.c.id,
                _report.c.channel,
                func.coalesce(_push.c.last_error, "").label("error"),
                func.coalesce(_push.c.attempts, 0).label("attempts"),
                _report.c.state_changed_at.label("since"),
                _report.c.id.label("report_id"),
                _report.c.reference,
            )
            .select_from(_report.outerjoin(_push, _push.c.report_id == _report.c.id))
            .where(_push_where())
        )
    if kind == "reply":
        return select(
            literal(kind).label("kind"),
            _outbox.c.id,
            _outbox.c.channel,
            _outbox.c.last_error.label("error"),
            _outbox.c.attempts,
            _outbox.c.updated_at.label("since"),
            _outbox.c.report_id,
            _outbox.c.kind.label("reference"),
        ).where(_outbox.c.state == "dead")
    if kind == "media":
        return (
            select(
                literal(kind).label("kind"),
                _attachment.c.id,
                _inbox.c.channel,
                literal("never downloaded").label("error"),
                literal(0).label("attempts"),
                _attachment.c.created_at.label("since"),
                _attachment.c.report_id,
                literal("").label("reference"),
            )
            .select_from(_attachment.join(_inbox, _inbox.c.id == _attachment.c.inbox_message_id))
            .where(_media_where(media_age))
        )
    raise ValueError(f"unknown dead-letter kind {kind!r}; one of {', '.join(KINDS)}")


def list_dead(
    session: Session,
    kind: str | None = None,
    limit: int = 100,
    *,
    media_age: timedelta = DEFAULT_MEDIA_AGE,
) -> list[DeadLetter]:
    """Dead letters of one kind (or all), oldest first, at most `limit` per kind."""
    found: list[DeadLetter] = []
    for name in [kind] if kind else KINDS:
        stmt = _query(name, media_age).order_by("since").limit(limit)
        for row in session.execute(stmt).mappings():
            values = dict(row)
            values["error"] = (values["error"] or "")[:300]
            found.append(DeadLetter(**values))
    return sorted(found, key=lambda d: d.since)[: limit if kind else None]


def counts(session: Session, *, media_age: timedelta = DEFAULT_MEDIA_AGE) -> dict[str, int]:
    """How many dead letters of each kind wait (one indexed COUNT per kind)."""
    result = {}
    for name in KINDS:
        sub = _query(name, media_age).subquery()
        result[name] = int(session.execute(select(func.count()).select_from(sub)).scalar() or 0)
    return result


def _audit(
    session: Session,
    actor: str,
    action: str,
    kind: str,
    row_id: int,
    note: str,
    state: tuple[str, str] | None = None,
) -> None:
    before: dict[str, Any] = {"kind": kind, "id": row_id, "dead": True}
    after: dict[str, Any] = {"kind": kind, "id": row_id, "dead": False}
    if state is not None:  # the report's own move, for the report's history page
        before["state"], after["state"] = state
    session.execute(
        insert(AuditAction.__table__).values(  # type: ignore[attr-defined]
            at=utcnow(),
            actor=actor[:100],
            action=action,
            report_id=_report_of(session, kind, row_id),
            before=before,
            after=after,
            note=note[:1000],
        )
    )


def _report_of(session: Session, kind: str, row_id: int) -> int | None:
    table = {"reply": _outbox, "media": _attachment} | dict.fromkeys(INBOX_KINDS, _inbox)
    if kind == "push":
        return row_id
    return session.execute(
        select(table[kind].c.report_id).where(table[kind].c.id == row_id)
    ).scalar()


def _revive(session: Session, kind: str, row_id: int) -> str | None:
    """The guarded update that takes a row out of its dead state; the actor to run, or None."""
    now = utcnow()
    if kind in ("message", "held"):
        # A failed message starts its attempts afresh; a held one was never attempted.
        fresh = {"attempts": 0, "error": ""} if kind == "message" else {}
        moved = session.execute(
            update(_inbox)
            .where(_inbox.c.id == row_id, _inbox_where(kind))
            .values(state="received", updated_at=now, **fresh)
        ).rowcount
        return "process_message" if moved else None
    if kind == "push":
        if not transition(session, row_id, ReportState.DEAD, ReportState.READY, reasons=[]):
            return None
        # attempts are kept: with previous_attempts > 0 the client looks the ticket up first
        session.execute(
            update(_push)
            .where(_push.c.report_id == row_id, _push.c.state == "dead")
            .values(state="pending", next_attempt_at=now, updated_at=now)
        )
        return "push_report"
    if kind == "reply":
        moved = session.execute(
            update(_outbox)
            .where(_outbox.c.id == row_id, _outbox.c.state == "dead")
            .values(state="pending", attempts=0, next_attempt_at=now, updated_at=now)
        ).rowcount
        return "send_reply" if moved else None
    # media has no state of its own: fetch_media leaves a stored or rejected photo alone
    pending = session.execute(
        select(_attachment.c.id).where(_attachment.c.id == row_id, _media_where(timedelta(0)))
    ).scalar()
    return "fetch_media" if pending else None


def retry(session: Session, kind: str, row_id: int, actor: str) -> AfterCommit:
    """Put one dead letter back in the pipeline; run the returned steps after commit.

    A second retry of the same row finds it no longer dead and returns no steps.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown dead-letter kind {kind!r}; one of {', '.join(KINDS)}")
    if kind not in RETRYABLE:
        raise NotRetryable(
            "a malformed message needs a parser fix; then replay its raw payload "
            "(`intake replay`) or drop it"
        )
    actor_name = _revive(session, kind, row_id)
    if actor_name is None:
        return []
    _audit(session, actor, "dead_retry", kind, row_id, "")
    log.info("dead_letter_retried", kind=kind, row_id=row_id)
    return [later(actor_name, row_id)]


def drop(session: Session, kind: str, row_id: int, actor: str, note: str = "") -> Dropped:
    """Take a dead letter off the list for good (audited); false when it was not dead.

    Run the result's steps after commit: a dropped push tells its citizen (see _drop_push).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown dead-letter kind {kind!r}; one of {', '.join(KINDS)}")
    if kind == "push":
        return _drop_push(session, row_id, actor, note)
    now = utcnow()
    if kind in INBOX_KINDS:
        stmt = (
            update(_inbox)
            .where(_inbox.c.id == row_id, _inbox_where(kind))
            .values(state="ignored", updated_at=now)
        )
    elif kind == "reply":
        stmt = (
            update(_outbox)
            .where(_outbox.c.id == row_id, _outbox.c.state == "dead")
            .values(state="dropped", updated_at=now)
        )
    else:
        stmt = (
            update(_attachment)
            .where(_attachment.c.id == row_id, _media_where(timedelta(0)))
            .values(rejected_reason=f"dropped by ops: {note}"[:255])
        )
    if session.execute(stmt).rowcount != 1:
        return Dropped(False)
    _audit(session, actor, "dead_drop", kind, row_id, note)
    log.info("dead_letter_dropped", kind=kind, row_id=row_id)
    return Dropped(True)


def _drop_push(session: Session, report_id: int, actor: str, note: str) -> Dropped:
    """dead -> rejected: ops gave up on what the CRM refused; queues and stats stop counting it.

    The report keeps its reason (crm_rejected); an admin may still reopen it for review. Its
    citizen never got a tracking number: on a channel that replies, they are asked to resend.
    """
    from pipeline.notify import after_drop  # noqa: PLC0415  (notify imports triage and more)

    if not transition(session, report_id, ReportState.DEAD, ReportState.REJECTED):
        return Dropped(False)
    session.execute(
        update(_push)
        .where(_push.c.report_id == report_id, _push.c.state == "dead")
        .values(state="dropped", updated_at=utcnow())
    )
    state = (ReportState.DEAD.value, ReportState.REJECTED.value)
    _audit(session, actor, "dead_drop", "push", report_id, note, state)
    report = session.get(Report, report_id, populate_existing=True)
    replies = after_drop(session, report) if report is not None else []
    log.info("dead_letter_dropped", kind="push", row_id=report_id, replies=sum(map(bool, replies)))
    return Dropped(True, [later("send_reply", oid) for oid in replies if oid])
