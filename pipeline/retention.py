"""Retention of personal data (UU 27/2022): blank citizens' contact data of long-closed reports.

UU 27/2022 on Personal Data Protection has a controller end processing when the retention
period is reached or the purpose achieved (Pasal 42) and erase data no longer needed (Pasal 43).
A report's purpose ends when it is closed: Selesai in the CRM, rejected, or merged into a report
that is itself closed. After INTAKE_OPS__CONTACT_RETENTION_DAYS of quiet we blank who sent it
(name, phone, e-mail, handle) and scrub phones, e-mails and NIKs out of its text, and delete the
walk-in desk's letter scans and photos it named (pipeline/retention_files.py). The complaint, its
area and its checked photos stay: they are the city's record of the problem, not of the person.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import and_, exists, insert, or_, select, update
from sqlalchemy.orm import aliased
from sqlmodel import Session

from config.logging import redact_text
from crm_core.statuses import Status
from pipeline.models import (
    AuditAction,
    CitizenContact,
    InboxMessage,
    OutboxReply,
    Report,
    ReportFollower,
    utcnow,
)
from pipeline.retention_files import purge_desk_files
from pipeline.states import ReportState

log = structlog.get_logger(__name__)
BATCH = 500

_report = Report.__table__  # type: ignore[attr-defined]
_inbox = InboxMessage.__table__  # type: ignore[attr-defined]
_contact = CitizenContact.__table__  # type: ignore[attr-defined]
_outbox = OutboxReply.__table__  # type: ignore[attr-defined]
_follower = ReportFollower.__table__  # type: ignore[attr-defined]


@dataclass
class PurgeResult:
    """What a purge blanked (or, in a dry run, would blank)."""

    reports: int = 0
    messages: int = 0
    contacts: int = 0
    replies: int = 0
    files: int = 0  # walk-in desk scans and photos deleted from var/walkin/

    def add(self, other: PurgeResult) -> None:
        """Sum another batch into this one."""
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def _closed() -> Any:
    """Reports whose purpose is over: Selesai, rejected, or a duplicate of a closed one."""
    original = _report.alias("original")
    finished = and_(
        _report.c.state == ReportState.PUSHED.value, _report.c.crm_status == Status.SELESAI.value
    )
    original_closed = exists().where(
        original.c.id == _report.c.duplicate_of,
        or_(
            original.c.state == ReportState.REJECTED.value,
            and_(
                original.c.state == ReportState.PUSHED.value,
                original.c.crm_status == Status.SELESAI.value,
            ),
        ),
    )
    return or_(
        finished,
        _report.c.state == ReportState.REJECTED.value,
        and_(_report.c.state == ReportState.DUPLICATE.value, original_closed),
    )


def due_reports(
    session: Session, cutoff: datetime, after_id: int = 0, limit: int = BATCH
) -> list[int]:
    """Closed reports quiet since before cutoff whose first message still names its sender.

    A walk-in message may have no handle (no consent to be contacted) and still carry a name and
    letter scans: it is due until its payload says purged.
    """
    unpurged_desk = and_(
        _inbox.c.channel == "walkin", _inbox.c.payload["purged"].as_string().is_(None)
    )
    stmt = (
        select(_report.c.id)
        .join(_inbox, _inbox.c.id == _report.c.inbox_message_id)
        .where(
            _report.c.id > after_id,
            _closed(),
            _report.c.updated_at < cutoff,
            or_(_inbox.c.sender_handle != "", unpurged_desk),
        )
        .order_by(_report.c.id)
        .limit(limit)
    )
    return [int(i) for i in session.execute(stmt).scalars()]


def scrub_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """A stored InboundMessage without its sender, raw provider body or personal data (pure)."""
    kept = {k: payload.get(k) for k in ("channel", "external_id", "received_at") if k in payload}
    kept["text"] = redact_text(str(payload.get("text") or ""))
    office = (payload.get("reply_context") or {}).get("office")
    if office:  # the desk's office, not a person: its staff still find the report (review/auth)
        kept["reply_context"] = {"office": office}
    kept["purged"] = True
    return kept


def _message_ids(session: Session, report_ids: list[int]) -> list[int]:
    firsts = select(_report.c.inbox_message_id).where(_report.c.id.in_(report_ids))
    follows = select(_follower.c.inbox_message_id).where(_follower.c.report_id.in_(report_ids))
    linked = select(_inbox.c.id).where(_inbox.c.report_id.in_(report_ids))
    ids = set(session.execute(firsts.union(follows, linked)).scalars())
    return sorted(int(i) for i in ids)


def _lonely_contacts(session: Session, report_ids: list[int]) -> list[int]:
    """Contacts of these reports that no other (still open or recent) report uses."""
    other = aliased(Report)
    stmt = select(_report.c.contact_id).where(
        _report.c.id.in_(report_ids),
        _report.c.contact_id.is_not(None),
        ~exists().where(other.contact_id == _report.c.contact_id, other.id.not_in(report_ids)),
    )
    return sorted({int(i) for i in session.execute(stmt).scalars()})


def purge_batch(session: Session, report_ids: list[int], *, dry_run: bool) -> PurgeResult:
    """Blank the personal data of these reports (count only, when dry_run)."""
    messages = _message_ids(session, report_ids)
    contacts = _lonely_contacts(session, report_ids)
    replies = session.execute(
        select(_outbox.c.id).where(_outbox.c.report_id.in_(report_ids), _outbox.c.recipient != "")
    ).scalars().all()  # fmt: skip
    result = PurgeResult(len(report_ids), len(messages), len(contacts), len(replies))
    if dry_run:
        return result
    for row_id, payload in session.execute(
        select(_inbox.c.id, _inbox.c.payload).where(_inbox.c.id.in_(messages))
    ).all():
        session.execute(
            update(_inbox)
            .where(_inbox.c.id == row_id)
            .values(sender_handle="", conversation_id="", payload=scrub_payload(payload or {}))
        )
    for row_id, description, original in session.execute(
        select(_report.c.id, _report.c.description, _report.c.original_text).where(
            _report.c.id.in_(report_ids)
        )
    ).all():
        session.execute(
            update(_report)
            .where(_report.c.id == row_id)
            .values(
                description=redact_text(description),
                original_text=redact_text(original),
                conversation_id="",
            )
        )
    for contact_id in contacts:
        # handle is unique per channel: a placeholder keeps the constraint and says why.
        session.execute(
            update(_contact)
            .where(_contact.c.id == contact_id)
            .values(name="", phone_e164="", email="", handle=f"purged:{contact_id}")
        )
    if replies:
        session.execute(
            update(_outbox).where(_outbox.c.id.in_(replies)).values(recipient="", reply_context={})
        )
    return result


def purge(
    session_factory: Any,
    retention_days: int,
    *,
    dry_run: bool = True,
    actor: str = "retention",
    now: datetime | None = None,
    var_dir: Path | None = None,
) -> PurgeResult:
    """Blank contact data of reports closed for longer than retention_days; batches commit.

    With var_dir, desk files no kept message names are deleted after the batches committed.
    """
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    total = PurgeResult()
    after_id = 0
    scrubbed: list[int] = []  # a dry run scrubs nothing: the file count must not see them
    while True:
        with session_factory() as session:  # one transaction per batch
            ids = due_reports(session, cutoff, after_id)
            if not ids:
                break
            total.add(purge_batch(session, ids, dry_run=dry_run))
            if dry_run and var_dir is not None:
                scrubbed += _message_ids(session, ids)
        after_id = ids[-1]
    if var_dir is not None:
        files = purge_desk_files(session_factory, var_dir, dry_run=dry_run, excluding=scrubbed)
        total.files = files.files
    if not dry_run and (total.reports or total.files):
        with session_factory() as session:
            session.execute(
                insert(AuditAction.__table__).values(  # type: ignore[attr-defined]
                    at=utcnow(),
                    actor=actor[:100],
                    action="retention_purge",
                    before={},
                    after={f.name: getattr(total, f.name) for f in fields(total)},
                    note=f"contact data of reports closed before {cutoff.date().isoformat()}",
                )
            )
        log.info(
            "retention_purged", reports=total.reports, contacts=total.contacts, files=total.files
        )
    return total
