"""Pushing ready reports to the CRM core and sending outbox replies."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import update
from sqlmodel import Session, select

from config.settings import get_settings
from crm_client.base import CRMRejected, CRMReport, CRMUnavailable
from pipeline import outbox
from pipeline.crm import get_client
from pipeline.db import session_scope
from pipeline.enqueue import AfterCommit
from pipeline.enqueue import later as _send
from pipeline.models import CitizenContact, CRMPush, InboxMessage, Report, utcnow
from pipeline.notify import after_push
from pipeline.states import ReportState, transition

log = structlog.get_logger(__name__)


def idempotency_key(report: Report) -> str:
    """Derived from the report's own reference: the same report always pushes the same key."""
    return f"jakarta-intake:{report.reference}"


def crm_report(session: Session, report: Report, key: str, attempts: int = 1) -> CRMReport:
    """What the CRM core receives; contact details only when the citizen allowed it."""
    inbox = session.get(InboxMessage, report.inbox_message_id)
    contact = session.get(CitizenContact, report.contact_id) if report.contact_id else None
    share = contact is not None and not (report.confidential or report.anonymous)
    address = ", ".join(p for p in (report.street, report.rt_rw, report.kelurahan_name) if p)
    return CRMReport(
        idempotency_key=key,
        # an earlier attempt may have reached the CRM: the client looks it up before posting
        previous_attempts=max(0, attempts - 1),
        reference=report.reference,
        description=report.description,
        category=report.category,
        opd=report.opd,
        channel=report.channel,
        address=address or report.address_text,
        kota_code=report.kota_code,
        kecamatan_code=report.kecamatan_code,
        kelurahan_code=report.kelurahan_code,
        kelurahan_name=report.kelurahan_name,
        lat=report.lat,
        lon=report.lon,
        received_at=inbox.received_at if inbox else None,
        contact_name=contact.name if share and contact else "",
        contact_phone=contact.phone_e164 if share and contact else "",
        contact_email=contact.email if share and contact else "",
    )


def _record_attempt(report_id: int) -> tuple[CRMReport, int] | None:
    """Create or load the push row and count the attempt before any network I/O."""
    with session_scope() as session:
        report = session.get(Report, report_id)
        if report is None or report.state != ReportState.READY.value:
            return None
        push = session.exec(select(CRMPush).where(CRMPush.report_id == report_id)).first()
        if push is None:
            push = CRMPush(report_id=report_id, idempotency_key=idempotency_key(report))
            session.add(push)
        if push.state == "dead":
            return None
        push.attempts += 1
        push.updated_at = utcnow()
        session.flush()
        return crm_report(session, report, push.idempotency_key, push.attempts), push.id or 0


def _update_push(session: Session, push_id: int, **values: Any) -> None:
    table = CRMPush.__table__  # type: ignore[attr-defined]
    session.execute(
        update(table).where(table.c.id == push_id).values(updated_at=utcnow(), **values)
    )


def push_report(report_id: int) -> AfterCommit:
    """Push a ready report; a repeated push returns the same ticket (idempotency key)."""
    prepared = _record_attempt(report_id)
    if prepared is None:
        return []
    payload, push_id = prepared
    try:
        ticket = get_client(get_settings()).push(payload)
    except CRMRejected as exc:
        with session_scope() as session:
            _update_push(session, push_id, state="dead", last_error=str(exc)[:1000])
            transition(
                session, report_id, ReportState.READY, ReportState.DEAD, reasons=["crm_rejected"]
            )
        log.warning("crm_push_rejected", report_id=report_id, error=str(exc)[:200])
        return []
    except CRMUnavailable as exc:
        with session_scope() as session:
            _update_push(session, push_id, last_error=str(exc)[:1000])
        raise  # dramatiq retries with backoff; the sweeper catches what it gives up on
    with session_scope() as session:
        _update_push(
            session,
            push_id,
            state="done",
            tracking_number=ticket.tracking_number,
            crm_id=ticket.crm_id,
            last_error="",
        )
        if not transition(
            session,
            report_id,
            ReportState.READY,
            ReportState.PUSHED,
            tracking_number=ticket.tracking_number,
            crm_id=ticket.crm_id,
            crm_status=ticket.status,
        ):
            return []
        report = session.get(Report, report_id, populate_existing=True)
        ids = after_push(session, report) if report else []
    log.info("crm_pushed", report_id=report_id, crm_id=ticket.crm_id)
    return [_send("send_reply", oid) for oid in ids if oid]


def send_reply(outbox_id: int) -> AfterCommit:
    """Claim, send, record: a reply is sent at most once."""
    settings = get_settings()
    with session_scope() as session:
        row = outbox.claim(session, outbox_id)
    if row is None:
        return []
    values = outbox.deliver(row, settings)
    with session_scope() as session:
        outbox.finish(session, outbox_id, values)
    log.info(
        "reply_finished",
        outbox_id=outbox_id,
        channel=row.channel,
        kind=row.kind,
        state=values["state"],
    )
    if values["state"] == "pending":
        delay_ms = max(0, int((values["next_attempt_at"] - utcnow()).total_seconds() * 1000))
        from pipeline.actors import send_reply as actor  # noqa: PLC0415

        return [lambda: actor.send_with_options(args=(outbox_id,), delay=delay_ms)]
    return []
