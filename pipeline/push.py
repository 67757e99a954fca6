"""Pushing ready reports to the CRM core and sending outbox replies."""

from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy import update
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from config.settings import get_settings
from crm_client.base import CRMRejected, CRMReport, CRMUnavailable
from pipeline import outbox
from pipeline.crm import get_client
from pipeline.db import insert_for, session_scope
from pipeline.enqueue import AfterCommit
from pipeline.enqueue import later as _send
from pipeline.models import CitizenContact, CRMPush, InboxMessage, Report, utcnow
from pipeline.notify import after_push
from pipeline.states import ReportState, transition

log = structlog.get_logger(__name__)


def idempotency_key(reference: str) -> str:
    """Derived from the report's own reference: the same report always pushes the same key."""
    return f"jakarta-intake:{reference}"


#: The columns a CRM payload needs, loaded in one statement (no normalizer JSON, no raw payload).
_PAYLOAD_COLUMNS = (
    Report.reference,
    Report.description,
    Report.category,
    Report.opd,
    Report.channel,
    Report.street,
    Report.rt_rw,
    Report.kelurahan_name,
    Report.address_text,
    Report.kota_code,
    Report.kecamatan_code,
    Report.kelurahan_code,
    Report.lat,
    Report.lon,
    Report.confidential,
    Report.anonymous,
    InboxMessage.received_at,
    CitizenContact.id.label("contact_id"),  # type: ignore[union-attr]
    CitizenContact.name.label("contact_name"),  # type: ignore[attr-defined]
    CitizenContact.phone_e164,
    CitizenContact.email,
)


def payload_row(session: Session, report_id: int, *, ready_only: bool = True) -> Any:
    """A report's CRM fields with its first message's time and its contact, or None."""
    stmt = (
        select(*_PAYLOAD_COLUMNS)
        .select_from(Report)
        .join(InboxMessage, InboxMessage.id == Report.inbox_message_id, isouter=True)
        .join(CitizenContact, CitizenContact.id == Report.contact_id, isouter=True)
        .where(Report.id == report_id)
    )
    if ready_only:
        stmt = stmt.where(Report.state == ReportState.READY.value)
    return session.execute(stmt).first()


def crm_report(row: Any, key: str, attempts: int = 1) -> CRMReport:
    """What the CRM core receives; contact details only when the citizen allowed it."""
    share = row.contact_id is not None and not (row.confidential or row.anonymous)
    address = ", ".join(p for p in (row.street, row.rt_rw, row.kelurahan_name) if p)
    return CRMReport(
        idempotency_key=key,
        # an earlier attempt may have reached the CRM: the client looks it up before posting
        previous_attempts=max(0, attempts - 1),
        reference=row.reference,
        description=row.description,
        category=row.category,
        opd=row.opd,
        channel=row.channel,
        address=address or row.address_text,
        kota_code=row.kota_code,
        kecamatan_code=row.kecamatan_code,
        kelurahan_code=row.kelurahan_code,
        kelurahan_name=row.kelurahan_name,
        lat=row.lat,
        lon=row.lon,
        received_at=row.received_at,
        contact_name=row.contact_name if share else "",
        contact_phone=row.phone_e164 if share else "",
        contact_email=row.email if share else "",
    )


def _record_attempt(report_id: int) -> tuple[CRMReport, int] | None:
    """Create or load the push row and count the attempt before any network I/O."""
    with session_scope() as session:
        row = payload_row(session, report_id)
        if row is None:
            return None
        table = CRMPush.__table__  # type: ignore[attr-defined]
        insert = insert_for(session.get_bind().dialect.name)
        now = utcnow()
        stmt = insert(table).values(
            report_id=report_id,
            idempotency_key=idempotency_key(row.reference),
            state="pending",
            attempts=1,
            next_attempt_at=now,
            tracking_number="",
            crm_id="",
            last_error="",
            created_at=now,
            updated_at=now,
        )
        # One statement either way: a new push row, or one more attempt on the existing one
        # (unless ops marked it dead).
        stmt = stmt.on_conflict_do_update(
            index_elements=["report_id"],
            set_={"attempts": table.c.attempts + 1, "updated_at": now},
            where=table.c.state != "dead",
        ).returning(table.c.id, table.c.attempts, table.c.idempotency_key)
        pushed = session.execute(stmt).first()
        if pushed is None:
            return None
        return crm_report(row, pushed.idempotency_key, pushed.attempts), pushed.id


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
        # The reply needs only these columns: skip the normalizer JSON and original text.
        report = session.get(
            Report, report_id, options=[defer(Report.normalized), defer(Report.original_text)]
        )
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
