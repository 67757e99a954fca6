"""What each actor does, as functions returning the messages to send once the work is committed."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy import update
from sqlmodel import Session, select

from config.settings import get_settings
from connectors.contract import InboundMessage, Location
from normalizers.report import AreaMatch, ReportDraft, build_draft
from pipeline import blocking, commands, dedupe, keys_version, replies
from pipeline.completeness import rules_for
from pipeline.db import block_lock, insert_for, session_scope
from pipeline.enqueue import AfterCommit
from pipeline.enqueue import later as _send
from pipeline.models import Attachment, CitizenContact, InboxMessage, Report, ReportFollower, utcnow
from pipeline.outbox import enqueue_reply, handle_hash
from pipeline.states import ReportState, transition
from pipeline.triage import Decision, Outcome, decide

log = structlog.get_logger(__name__)


def new_reference() -> str:
    """An intake reference for a report before the CRM numbers it (e.g. IN-7F3K2Q9XWM)."""
    return "IN-" + uuid.uuid4().hex[:10].upper()


def _mark_processed(session: Session, inbox: InboxMessage, report_id: int | None) -> None:
    """received -> processed, guarded so a redelivered message is processed once."""
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    moved = session.execute(
        update(table)
        .where(table.c.id == inbox.id, table.c.state == "received")
        .values(state="processed", report_id=report_id, updated_at=utcnow())
    ).rowcount
    if not moved:
        raise RuntimeError(f"inbox {inbox.id} was processed concurrently")


def process_message(inbox_id: int) -> AfterCommit:
    """Turn a stored message into a command answer, a follow-up, or a new report."""
    after: AfterCommit = []
    with session_scope() as session:
        inbox = session.get(InboxMessage, inbox_id)
        if inbox is None or inbox.state != "received":
            return []
        msg = InboundMessage.model_validate(inbox.payload)
        command = commands.detect(msg.text)
        if command is not None:
            outbox_id = _answer_command(session, inbox, command)
            _mark_processed(session, inbox, None)
            return [_send("send_reply", outbox_id)] if outbox_id else []
        msg = msg.model_copy(update={"text": commands.strip_lapor(msg.text)})
        report = _open_needs_info(session, msg)
        if report is not None:
            _attach_followup(session, report, msg)
            session.refresh(report)  # the guarded update moved it back to `new`
        else:
            report = _create_report(session, inbox, msg)
        for attachment_id in _save_attachments(session, inbox, msg, report.id or 0):
            after.append(_send("fetch_media", attachment_id))
        _mark_processed(session, inbox, report.id)
        after.extend(_triage_now(session, report))
    log.info("message_processed", inbox_id=inbox_id, report_id=report.id)
    return after


def _triage_now(session: Session, report: Report) -> AfterCommit:
    """Triage in the processing transaction (one commit, no second load of the report).

    Inside a savepoint: should triage itself fail, the report is still stored, in state `new`,
    and the triage actor (then the sweeper) tries again, as before the two were merged.
    The block lock is taken here, not in apply_triage: only here is the new report uncommitted
    (invisible to a concurrent twin); on the actor path both are committed `new` rows and the
    lower-id rule in dedupe settles which one is the original.
    """
    block_lock(session, blocking.lock_keys(report))
    try:
        with session.begin_nested():
            return apply_triage(session, report)
    except Exception:  # noqa: BLE001 - the report must not be lost with the triage
        log.exception("triage_deferred", report_id=report.id)
        return [_send("triage_report", report.id)]


#: Tries (across redeliveries and sweeps) before a message is flagged as failed.
MAX_ATTEMPTS = 5


def record_failure(inbox_id: int, exc: Exception) -> bool:
    """Count a failed try; after MAX_ATTEMPTS flag the message `failed`. True when flagged."""
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    error = f"{type(exc).__name__}: {exc}"[:1000]
    with session_scope() as session:
        attempts = session.execute(
            update(table)
            .where(table.c.id == inbox_id, table.c.state == "received")
            .values(attempts=table.c.attempts + 1, error=error, updated_at=utcnow())
            .returning(table.c.attempts)
        ).scalar()
        if attempts is None or attempts < MAX_ATTEMPTS:
            return False
        session.execute(update(table).where(table.c.id == inbox_id).values(state="failed"))
    log.error("message_failed", inbox_id=inbox_id, attempts=attempts, error=error[:200])
    return True


def _answer_command(session: Session, inbox: InboxMessage, command: commands.Command) -> int | None:
    if command.name == "welcome":
        text = replies.render("welcome")
    else:
        from pipeline.tracking import status_text  # noqa: PLC0415

        text = status_text(command.argument)
    return enqueue_reply(
        session,
        dedupe_key=f"inbox:{inbox.id}:{command.name}",
        kind=command.name,
        inbox=inbox,
        text=text,
    )


def _contact(session: Session, msg: InboundMessage) -> int | None:
    """The citizen's contact row on this channel (created once, even by concurrent workers)."""
    if not msg.sender.handle or msg.anonymous:
        return None
    table = CitizenContact.__table__  # type: ignore[attr-defined]
    now = utcnow()
    stmt = (
        insert_for(session.get_bind().dialect.name)(table)
        .values(
            channel=msg.channel,
            handle=msg.sender.handle,
            name=msg.sender.name,
            phone_e164="",
            email="",
            created_at=now,
            last_seen_at=now,
        )
        .on_conflict_do_update(index_elements=["channel", "handle"], set_={"last_seen_at": now})
        .returning(table.c.id)
    )
    return int(session.execute(stmt).scalar_one())


def _draft_values(draft: ReportDraft) -> dict[str, Any]:
    area = draft.area
    keys = blocking.keys_of(
        draft.description,
        draft.address_text[:500],
        area.street,
        area.landmark,
        area.kelurahan_code,
        area.rt_rw,
        draft.lat,
        draft.lon,
    )
    return keys | {
        "keys_version": keys_version.current(),
        "description": draft.description,
        "original_text": draft.original_text,
        "language": draft.language,
        "address_text": draft.address_text[:500],
        "street": area.street[:255],
        "rt_rw": area.rt_rw[:32],
        "landmark": area.landmark[:255],
        "kota_code": area.kota_code,
        "kecamatan_code": area.kecamatan_code,
        "kelurahan_code": area.kelurahan_code,
        "kelurahan_name": area.kelurahan_name[:100],
        "location_confidence": area.confidence,
        "lat": draft.lat,
        "lon": draft.lon,
        "location_source": draft.location_source,
        "category": draft.category,
        "category_confidence": draft.category_confidence,
        "opd": draft.opd[:120],
        "emergency": draft.emergency,
        "photo_count": draft.photo_count,
        "confidential": draft.confidential,
        "anonymous": draft.anonymous,
        "normalized": dataclasses.asdict(draft),
    }


def _create_report(session: Session, inbox: InboxMessage, msg: InboundMessage) -> Report:
    draft = build_draft(msg)
    report = Report(
        reference=new_reference(),
        inbox_message_id=inbox.id or 0,
        channel=msg.channel,
        conversation_id=_conversation_key(msg),
        contact_id=_contact(session, msg),
        **_draft_values(draft),
    )
    session.add(report)
    session.flush()
    return report


def _conversation_key(msg: InboundMessage) -> str:
    return (msg.conversation_id or msg.sender.handle)[:255]


def _open_needs_info(session: Session, msg: InboundMessage) -> Report | None:
    """The report of this conversation that is waiting for the citizen's answer, if any."""
    key = _conversation_key(msg)
    if not key:
        return None
    # Only the id first: almost every message has no open question, so no full row is decoded.
    found = session.exec(
        select(Report.id)
        .where(
            Report.channel == msg.channel,
            Report.conversation_id == key,
            Report.state == ReportState.NEEDS_INFO.value,
            Report.needs_info_until > utcnow(),
        )  # type: ignore[operator]
        .order_by(Report.id.desc())  # type: ignore[union-attr]
    ).first()
    return session.get(Report, found) if found is not None else None


def _attach_followup(session: Session, report: Report, msg: InboundMessage) -> None:
    """The citizen's answer completes the same draft, which goes back to triage."""
    combined = msg.model_copy(
        update={
            "text": f"{report.original_text}\n{msg.text}".strip(),
            "location": msg.location or _stored_location(report),
        }
    )
    draft = build_draft(combined)
    draft.photo_count += report.photo_count
    values = _draft_values(draft)
    values["normalized"]["photo_count"] = draft.photo_count
    transition(session, report.id or 0, ReportState.NEEDS_INFO, ReportState.NEW, **values)


def _stored_location(report: Report) -> Location | None:
    if report.lat is None or report.lon is None:
        return None
    return Location(lat=report.lat, lon=report.lon, source=report.location_source or "shared")


def _save_attachments(
    session: Session, inbox: InboxMessage, msg: InboundMessage, report_id: int
) -> list[int]:
    """One attachment row per media reference (once); the ids of the new ones, to fetch."""
    if not msg.media:
        return []
    existing = {
        a.position
        for a in session.exec(
            select(Attachment).where(Attachment.inbox_message_id == inbox.id)
        ).all()
    }
    added = []
    for position, media in enumerate(msg.media):
        if position not in existing:
            row = Attachment(
                inbox_message_id=inbox.id or 0,
                report_id=report_id,
                position=position,
                source_url=media.url[:2000],
                path=media.path[:500],
                content_type=media.content_type,
                size=media.size or 0,
            )
            session.add(row)
            added.append(row)
    session.flush()
    return [row.id or 0 for row in added]


def draft_of(report: Report) -> ReportDraft:
    """The stored normalizer output of a report, as a draft again."""
    data = dict(report.normalized)
    area = AreaMatch(**data.pop("area", {}))
    known = {f.name for f in dataclasses.fields(ReportDraft)}
    return ReportDraft(area=area, **{k: v for k, v in data.items() if k in known})


def triage_report(report_id: int) -> AfterCommit:
    """Apply triage's decision to a report in state `new`, in its own transaction."""
    with session_scope() as session:
        report = session.get(Report, report_id)
        if report is None or report.state != ReportState.NEW.value:
            return []
        return apply_triage(session, report)


def apply_triage(session: Session, report: Report) -> AfterCommit:
    """Decide and record triage for a `new` report inside the caller's transaction.

    Returns the after-commit steps (push, replies); [] when the report was not `new` any more
    (a redelivery or another worker moved it: the guarded transition refuses).
    """
    settings = get_settings()
    decision = decide(
        draft_of(report),
        dedupe.candidates(session, report, settings.triage),
        rules_for(report.channel),
        settings.triage,
        asked_before=report.info_requests > 0,
    )
    values: dict[str, Any] = {
        "reasons": list(decision.reasons),
        "duplicate_of": decision.duplicate_of,
        "candidates": [c.as_json() for c in decision.candidates],
    }
    if decision.outcome is Outcome.NEEDS_INFO:
        window = timedelta(hours=settings.pipeline.needs_info_window_h)
        values |= {
            "needs_info_until": utcnow() + window,
            "info_requests": report.info_requests + 1,
        }
    report_id = report.id or 0
    if not transition(
        session, report_id, ReportState.NEW, ReportState(decision.outcome.value), **values
    ):
        return []
    session.refresh(report)
    after = _after_triage(session, report, decision)
    log.info(
        "report_triaged",
        report_id=report_id,
        outcome=decision.outcome.value,
        reasons=list(decision.reasons),
    )
    return after


def _after_triage(session: Session, report: Report, decision: Decision) -> AfterCommit:
    from pipeline.notify import reply_for_triage  # noqa: PLC0415

    if decision.outcome is Outcome.READY:
        return [_send("push_report", report.id)]
    # Another citizen joins the original and hears its status changes; the same citizen is
    # its reporter already (a follower row would send them every notice twice).
    joins = decision.outcome is Outcome.DUPLICATE and "same_citizen" not in decision.reasons
    if joins and decision.duplicate_of:
        session.add(
            ReportFollower(
                report_id=decision.duplicate_of, inbox_message_id=report.inbox_message_id
            )
        )
    return [_send("send_reply", oid) for oid in reply_for_triage(session, report, decision) if oid]


def notify_held(inbox_id: int) -> AfterCommit:
    """One polite notice per sender per day while their messages are held (rate limit)."""
    with session_scope() as session:
        inbox = session.get(InboxMessage, inbox_id)
        if inbox is None or inbox.state != "held" or not rules_for(inbox.channel).sends_replies:
            return []
        key = f"held:{inbox.channel}:{handle_hash(inbox.sender_handle)}:{utcnow():%Y%m%d}"
        oid = enqueue_reply(
            session,
            dedupe_key=key,
            kind="rate_limited",
            inbox=inbox,
            text=replies.render("rate_limited"),
        )
    return [_send("send_reply", oid)] if oid else []
