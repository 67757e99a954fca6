"""Status sync: CRM lifecycle changes become short notices to the reporter and followers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog
from sqlmodel import Session, select

from config.settings import Settings
from crm_client.base import StatusChange
from pipeline import replies
from pipeline.completeness import rules_for
from pipeline.crm import get_client
from pipeline.db import session_scope
from pipeline.models import PollerCheckpoint, Report, utcnow
from pipeline.notify import follower_inboxes
from pipeline.outbox import enqueue_reply
from pipeline.tracking import WIB

log = structlog.get_logger(__name__)
CHECKPOINT = "crm_status"
#: The confirmation already told the citizen their report is waiting.
SILENT_STATUSES = frozenset({"Menunggu"})


def quiet_until(now: datetime, quiet_hours: str) -> datetime | None:
    """The end of quiet hours ("22-06", Jakarta time) if now falls inside them, else None."""
    if not quiet_hours:
        return None
    start_h, end_h = (int(part) for part in quiet_hours.split("-", 1))
    local = now.astimezone(WIB)
    inside = (
        (start_h <= local.hour or local.hour < end_h)
        if start_h > end_h
        else (start_h <= local.hour < end_h)
    )
    if not inside:
        return None
    end = local.replace(hour=end_h, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end.astimezone(UTC)


def notice_text(change: StatusChange, settings: Settings) -> str:
    """The citizen's notice; at Selesai it links the public page with the completion photo."""
    detail = f" Catatan petugas: {change.note}" if change.note else ""
    if change.status == "Selesai":
        detail += f" Foto penyelesaian: {settings.public_base_url}/lacak/{change.tracking_number}"
    return replies.render(
        "status_change", tracking_number=change.tracking_number, status=change.status, detail=detail
    )


def _apply(session: Session, change: StatusChange, settings: Settings) -> list[int]:
    reports = session.exec(
        select(Report).where(Report.tracking_number == change.tracking_number)
    ).all()
    ids: list[int] = []
    for report in reports:
        report.crm_status = change.status
        report.updated_at = utcnow()
        if change.status in SILENT_STATUSES:
            continue
        not_before = quiet_until(utcnow(), settings.pipeline.quiet_hours)
        for inbox in follower_inboxes(session, report):
            if not rules_for(inbox.channel).sends_replies:
                continue
            new_id = enqueue_reply(
                session,
                dedupe_key=f"status:{change.seq}:{inbox.id}",
                kind="status_change",
                inbox=inbox,
                report_id=report.id,
                text=notice_text(change, settings),
                not_before=not_before,
            )
            if new_id:
                ids.append(new_id)
    return ids


def sync_status(settings: Settings, batch: int = 500) -> int:
    """Fetch changes after the saved seq; record notices and the new seq in one transaction."""
    with session_scope() as session:
        checkpoint = session.get(PollerCheckpoint, CHECKPOINT)
        after_seq = int((checkpoint.cursor if checkpoint else {}).get("seq", 0))
    changes = get_client(settings).status_changes(after_seq)[:batch]
    if not changes:
        return 0
    with session_scope() as session:
        ids = [oid for change in changes for oid in _apply(session, change, settings)]
        checkpoint = session.get(PollerCheckpoint, CHECKPOINT) or PollerCheckpoint(
            channel=CHECKPOINT, cursor={}
        )
        checkpoint.cursor = {"seq": max(c.seq for c in changes)}
        checkpoint.updated_at = checkpoint.heartbeat_at = utcnow()
        session.add(checkpoint)
    from pipeline.actors import send_reply  # noqa: PLC0415

    for oid in ids:
        send_reply.send(oid)
    log.info("status_synced", changes=len(changes), notices=len(ids))
    return len(changes)
