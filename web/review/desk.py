"""Walk-in desk: the form, the printable receipt (tracking number polled in), search, scans."""

from __future__ import annotations

import time
import uuid
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from connectors.walkin import LETTER_KINDS, limits, office_label
from connectors.walkin.parse import FormInvalid, check_form, split_text
from connectors.walkin.store import read_document
from connectors.walkin.submit import submit
from connectors.walkin.uploads import Upload
from normalizers.contact import mask_phone
from pipeline.db import session_scope
from pipeline.models import InboxMessage, Report
from web.review.auth import (
    WALKIN,
    Role,
    can_act,
    current_user,
    require_roles,
    scope_reports,
    settings_of,
)
from web.review.csrf import verify_csrf
from web.review.gazetteer import every_kelurahan
from web.review.models import AdminUser
from web.review.templating import templates

router = APIRouter()
desk_user = require_roles(Role.DESK_STAFF, Role.SUPERADMIN)
#: Report states after which the receipt stops polling.
SETTLED = frozenset({"pushed", "duplicate", "rejected", "needs_review", "dead"})
#: The submit waits this long for the worker to create the report, so the receipt opens with
#: its intake reference; a busy queue just means the reference appears a moment later.
REFERENCE_WAIT_S = 3.0
TEXT_FIELDS = (
    "letter_kind", "citizen_name", "phone", "email", "description", "street", "rt_rw",
    "landmark", "kelurahan_code", "office",
)  # fmt: skip
#: The same labels the gazetteer's autocomplete swaps in ("Kel. Cideng, Kec. Gambir, ...").
KELURAHAN_OPTIONS = [(s.code, s.label) for s in every_kelurahan()]


def max_body_bytes(request: Request) -> int:
    """Every allowed upload at its limit, plus room for the text fields."""
    lim = limits(settings_of(request))
    return lim.max_photos * lim.max_photo_bytes + lim.max_scans * lim.max_scan_bytes + 1_000_000


def check_body_size(request: Request) -> None:
    """Refuse an oversized form before it is parsed (and spooled to disk)."""
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise HTTPException(411, "Content-Length required")
    if int(length) > max_body_bytes(request):
        raise HTTPException(413, "Total upload too large for the desk form")


def _office(user: AdminUser, fields: dict[str, str]) -> str:
    """The desk's office: the account's; a superadmin without one names it on the form."""
    return user.office or (
        fields.get("office", "").strip()[:64] if user.role == "superadmin" else ""
    )


def _form_page(
    request: Request, user: AdminUser, values: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    values = dict(values) | {"token": str(uuid.uuid4())}  # every render issues a fresh form
    context = {
        "user": user,
        "values": values,
        "errors": errors,
        "letter_kinds": LETTER_KINDS,
        "kelurahan_options": KELURAHAN_OPTIONS,
        "office_label": office_label(user.office) if user.office else "",
        "limits": limits(settings_of(request)),
    }
    return templates.TemplateResponse(request, "desk_form.html", context, status_code=status)


@router.get("/desk")
def desk_form(request: Request, user: AdminUser = Depends(desk_user)) -> Response:
    """An empty desk form with a fresh idempotency token."""
    return _form_page(request, user, {}, {}, 200)


async def _uploads(files: list[Any]) -> list[Upload]:
    found = [f for f in files if isinstance(f, UploadFile) and f.filename]
    return [Upload(f.filename or "", await f.read()) for f in found]


@router.post("/desk", dependencies=[Depends(check_body_size), Depends(verify_csrf)])
async def desk_submit(request: Request, user: AdminUser = Depends(desk_user)) -> Response:
    """Validate, store once through the shared intake sink, then open the receipt."""
    form = await request.form()
    fields = {k: str(form.get(k, "")) for k in (*TEXT_FIELDS, "token", "nik")}
    fields |= {k: str(form.get(k, "")) for k in ("consent", "confidential", "anonymous")}
    office = _office(user, fields)
    try:
        if not office:
            raise FormInvalid({"office": "Isi kode kantor loket."})
        entry = check_form(
            fields,
            office=office,
            staff_id=str(user.id),
            photos=await _uploads(form.getlist("photos")),
            scans=await _uploads(form.getlist("scans")),
            limits=limits(settings_of(request)),
        )
    except FormInvalid as exc:
        kept = {k: v for k, v in fields.items() if k not in {"nik", "token"}}  # NIK is retyped
        return _form_page(request, user, kept, exc.errors, 422)
    var_dir = settings_of(request).var_dir
    ack = await run_in_threadpool(submit, entry, var_dir)
    await run_in_threadpool(_wait_for_report, ack.inbox_id)
    return RedirectResponse(f"/admin/desk/receipts/{ack.inbox_id}", status_code=303)


def _wait_for_report(inbox_id: int) -> None:
    deadline = time.monotonic() + REFERENCE_WAIT_S
    while time.monotonic() < deadline:
        with session_scope() as session:
            if session.exec(select(Report.id).where(Report.inbox_message_id == inbox_id)).first():
                return
        time.sleep(0.1)


def _scoped_inbox(session: Session, user: AdminUser, inbox_id: int) -> InboxMessage:
    """A walk-in message entered at the user's office (any office for a superadmin); else 404."""
    inbox = session.get(InboxMessage, inbox_id)
    office = ((inbox.payload or {}).get("reply_context") or {}).get("office") if inbox else None
    if inbox is None or inbox.channel != WALKIN:
        raise HTTPException(404, "receipt not found")
    if user.role != Role.SUPERADMIN.value and (not user.office or office != user.office):
        raise HTTPException(404, "receipt not found")  # same answer: no existence leak
    return inbox


def _readable_inbox(session: Session, user: AdminUser, inbox_id: int) -> InboxMessage:
    """Desk staff read their office's messages; reviewers those of reports in their scope."""
    if user.role in {Role.DESK_STAFF.value, Role.SUPERADMIN.value}:
        return _scoped_inbox(session, user, inbox_id)
    report = session.exec(select(Report).where(Report.inbox_message_id == inbox_id)).first()
    inbox = session.get(InboxMessage, inbox_id)
    if inbox is None or inbox.channel != WALKIN or report is None or not can_act(user, report):
        raise HTTPException(404, "document not found")
    return inbox


def receipt_context(session: Session, inbox: InboxMessage) -> dict[str, Any]:
    """What the receipt shows: the desk's record, the report's progress, who gets news how."""
    payload = inbox.payload or {}
    desk = (payload.get("raw") or {}).get("desk") or {}
    context = payload.get("reply_context") or {}
    report = session.exec(select(Report).where(Report.inbox_message_id == inbox.id)).first()
    original = session.get(Report, report.duplicate_of) if report and report.duplicate_of else None
    handle = payload.get("sender", {}).get("handle", "")
    description, address = split_text(str(payload.get("text", "")))
    return {
        "inbox": inbox,
        "report": report,
        "tracking_number": (original or report).tracking_number if report else "",
        # A message the pipeline gave up on has no report: stop polling, say so.
        "settled": report.state in SETTLED if report else inbox.state in {"failed", "malformed"},
        "office": office_label(str(context.get("office", ""))),
        "letter_kind": LETTER_KINDS.get(desk.get("letter_kind", ""), ""),
        "description": description,
        "address": address,
        "notify_via": context.get("via", ""),
        "notify_to": mask_phone(handle) if context.get("via") == "sms" else _mask_email(handle),
        "anonymous": bool(payload.get("anonymous")),
        "confidential": bool(payload.get("confidential")),
        "photos": len(payload.get("media") or []),
        "documents": len((payload.get("raw") or {}).get("documents") or []),
    }


def _mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:2]}***@{domain}" if domain else ""


def _receipt(request: Request, user: AdminUser, inbox_id: int, template: str) -> Response:
    with session_scope() as session:
        context = receipt_context(session, _scoped_inbox(session, user, inbox_id))
    context |= {"user": user, "public_url": settings_of(request).public_base_url}
    return templates.TemplateResponse(request, template, context)


@router.get("/desk/receipts/{inbox_id}")
def desk_receipt(request: Request, inbox_id: int, user: AdminUser = Depends(desk_user)) -> Response:
    """The printable receipt of one walk-in report."""
    return _receipt(request, user, inbox_id, "desk_receipt.html")


@router.get("/desk/receipts/{inbox_id}/status")
def desk_receipt_status(
    request: Request, inbox_id: int, user: AdminUser = Depends(desk_user)
) -> Response:
    """The receipt's numbers alone (htmx polls it until the report settles)."""
    return _receipt(request, user, inbox_id, "desk_receipt_status.html")


def normalize_number(query: str) -> str:
    """What people type -> the stored form: trimmed, upper-case, spaces dropped."""
    return "".join(query.split()).upper()[:40]


@router.get("/desk/search")
def desk_search(request: Request, q: str = "", user: AdminUser = Depends(desk_user)) -> Response:
    """Find a report by tracking number or intake reference, within the user's scope."""
    number = normalize_number(q)
    rows: list[Report] = []
    if number:
        with session_scope() as session:
            stmt = select(Report).where(
                (Report.tracking_number == number) | (Report.reference == number)  # type: ignore[operator]
            )
            rows = list(session.exec(scope_reports(stmt, user).limit(20)).all())
    context = {"user": user, "q": q, "rows": rows, "searched": bool(number)}
    return templates.TemplateResponse(request, "desk_search.html", context)


@router.get("/desk/receipts/{inbox_id}/documents/{index}")
def desk_document(
    request: Request, inbox_id: int, index: int, user: AdminUser = Depends(current_user)
) -> Response:
    """One scanned letter of a walk-in report, as stored (download, never rendered inline)."""
    with session_scope() as session:
        inbox = _readable_inbox(session, user, inbox_id)
    documents = ((inbox.payload or {}).get("raw") or {}).get("documents") or []
    if not 0 <= index < len(documents):
        raise HTTPException(404, "document not found")
    doc = documents[index]
    try:
        data = read_document(settings_of(request).var_dir, doc["path"])
    except FileNotFoundError as exc:
        raise HTTPException(404, "document not found") from exc
    ext = doc["content_type"].rsplit("/", 1)[-1].replace("jpeg", "jpg")
    return Response(
        data,
        media_type=doc["content_type"],
        headers={
            "Content-Disposition": f'attachment; filename="surat-{inbox_id}-{index + 1}.{ext}"'
        },
    )
