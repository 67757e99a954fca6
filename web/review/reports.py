"""The report page: original messages and photos beside the normalized fields; claims; photos."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from sqlmodel import Session, select

from connectors.walkin import LETTER_KINDS, office_label
from normalizers import category as categories
from normalizers import gazetteer
from pipeline import dedupe
from pipeline.completeness import rules_for
from pipeline.db import session_scope
from pipeline.models import Attachment, CRMPush, InboxMessage, Report, utcnow
from pipeline.replies import ASK_FOR, REJECT_REASONS
from web.review import claims
from web.review.auth import (
    OFFICE_KEY,
    REVIEWERS,
    WALKIN,
    Role,
    can_act,
    require_roles,
    scope_reports,
    settings_of,
)
from web.review.csrf import verify_csrf
from web.review.models import AdminUser
from web.review.queue import QueueRow
from web.review.templating import templates

router = APIRouter()
reviewer = require_roles(*REVIEWERS)
MAX_CANDIDATES = 8
#: Kelurahan choices for the address field, "Name (Kecamatan)", sorted by name.
KELURAHAN_CHOICES = sorted(
    ((k.code, f"{k.name} ({gazetteer.area(k.kecamatan_code).name})") for k in gazetteer.KELURAHAN),
    key=lambda pair: pair[1],
)


def scoped_report(session: Session, user: AdminUser, report_id: int) -> Report:
    """The report if it exists and lies in the user's scope; 404 otherwise (no existence leak)."""
    report = session.get(Report, report_id)
    if report is None or not can_act(user, report):
        raise HTTPException(404, "report not found")
    return report


def messages_of(session: Session, report: Report) -> list[InboxMessage]:
    """The report's first message, then the follow-ups the citizen sent, in order."""
    rows = session.exec(
        select(InboxMessage).where(
            (InboxMessage.id == report.inbox_message_id) | (InboxMessage.report_id == report.id)  # type: ignore[operator]
        )
    ).all()
    return sorted(rows, key=lambda m: (m.id != report.inbox_message_id, m.received_at, m.id or 0))


def photos_of(session: Session, report_id: int) -> list[Attachment]:
    """Attachments that were checked and stored without EXIF (rejected ones are not shown)."""
    return list(
        session.exec(
            select(Attachment)
            .where(
                Attachment.report_id == report_id,
                Attachment.rejected_reason == "",
                Attachment.sha256 != "",
            )
            .order_by(Attachment.inbox_message_id, Attachment.position)
        ).all()
    )


def candidates_in_scope(session: Session, user: AdminUser, report: Report) -> list[Any]:
    """Duplicate candidates the user may see (a channel admin sees only their channel's).

    Triage's stored list is what it decided on; rows triaged before it was stored are
    compared live.
    """
    found = (dedupe.stored_candidates(report) or dedupe.candidates(session, report))[:50]
    if not found:
        return []
    visible = set(
        session.exec(
            scope_reports(
                select(Report.id).where(Report.id.in_([c.report_id for c in found])), user
            )  # type: ignore[union-attr]
        ).all()
    )
    return [c for c in found if c.report_id in visible][:MAX_CANDIDATES]


def desk_details(messages: list[InboxMessage], report: Report) -> dict[str, Any] | None:
    """The walk-in desk's record of a report (connectors/walkin/parse.py to_message), or None."""
    first = messages[0] if messages else None
    if report.channel != WALKIN or first is None or first.id != report.inbox_message_id:
        return None
    payload = first.payload or {}
    raw = payload.get("raw") or {}
    desk = raw.get("desk") or {}
    office = str((payload.get("reply_context") or {}).get(OFFICE_KEY, ""))
    return {
        "inbox_id": first.id,
        "letter_kind": LETTER_KINDS.get(str(desk.get("letter_kind", "")), ""),
        "office": office_label(office) if office else "",
        "staff_id": str(desk.get("staff_id", "")),
        "consent": bool(desk.get("consent")),
        # a confidential or anonymous citizen's identity is kept from officers, even masked
        "nik_masked": "" if report.confidential or report.anonymous else desk.get("nik_masked"),
        "documents": len(raw.get("documents") or []),
    }


def page_context(session: Session, user: AdminUser, report: Report) -> dict[str, Any]:
    """Everything the report page shows."""
    holder = claims.holder(session, report.id or 0)
    holder_user = session.get(AdminUser, holder.user_id) if holder else None
    push = session.exec(select(CRMPush).where(CRMPush.report_id == report.id)).first()
    messages = messages_of(session, report)
    return {
        "report": report,
        "messages": messages,
        "desk": desk_details(messages, report),
        "stored_candidates": bool(report.candidates),
        "photos": photos_of(session, report.id or 0),
        "candidates": candidates_in_scope(session, user, report),
        "holder": holder_user.display_name or holder_user.username if holder_user else "",
        "held_by_me": holder is not None and holder.user_id == user.id,
        "blocked": holder is not None and holder.user_id != user.id,
        "crm_error": push.last_error if push and report.state == "dead" else "",
        "kelurahan_choices": KELURAHAN_CHOICES,
        "categories": [(c, categories.OPD[c]) for c in categories.CATEGORIES],
        "ask_items": list(ASK_FOR),
        "can_ask": rules_for(report.channel).sends_replies,
        "reject_reasons": list(REJECT_REASONS),
        "is_superadmin": user.role == Role.SUPERADMIN.value,
    }


def render_report(
    request: Request,
    user: AdminUser,
    report_id: int,
    *,
    error: str = "",
    done: str = "",
    status: int = 200,
    **details: Any,
) -> Response:
    """The report page, with an outcome message (done) or a problem (error)."""
    with session_scope() as session:
        context = page_context(session, user, scoped_report(session, user, report_id))
    context |= {"error": error, "error_details": details, "done": done}
    return templates.TemplateResponse(request, "report.html", context, status_code=status)


@router.get("/reports/{report_id}")
def report_page(request: Request, report_id: int, user: AdminUser = Depends(reviewer)) -> Response:
    """One report under review."""
    done = request.query_params.get("done", "")
    return render_report(request, user, report_id, done=done if done.isidentifier() else "")


def _claim_response(request: Request, user: AdminUser, report_id: int) -> Response:
    if not request.headers.get("HX-Request"):
        return RedirectResponse(request.headers.get("HX-Current-URL") or "/admin/", status_code=303)
    from web.review.queue import queue_row  # noqa: PLC0415

    with session_scope() as session:
        row: QueueRow | None = queue_row(session, user, report_id, settings_of(request).review)
    if row is None:
        return Response("")  # no longer in this user's queue: the row disappears
    return templates.TemplateResponse(request, "_queue_row.html", {"row": row, "now": utcnow()})


@router.post("/reports/{report_id}/claim", dependencies=[Depends(verify_csrf)])
def claim(request: Request, report_id: int, user: AdminUser = Depends(reviewer)) -> Response:
    """Take a report so others see who handles it (409 when someone else has it)."""
    with session_scope() as session:
        scoped_report(session, user, report_id)
        taken = claims.take(session, report_id, user, settings_of(request).review.claim_minutes)
    if not taken and not request.headers.get("HX-Request"):
        raise HTTPException(409, "claimed by another officer")
    return _claim_response(request, user, report_id)


@router.post("/reports/{report_id}/unclaim", dependencies=[Depends(verify_csrf)])
def unclaim(request: Request, report_id: int, user: AdminUser = Depends(reviewer)) -> Response:
    """Give a report back (a superadmin may release anyone's claim)."""
    with session_scope() as session:
        scoped_report(session, user, report_id)
        claims.release(session, report_id, user, force=user.role == Role.SUPERADMIN.value)
    return _claim_response(request, user, report_id)


@router.get("/attachments/{attachment_id}")
def attachment(
    request: Request, attachment_id: int, user: AdminUser = Depends(reviewer)
) -> Response:
    """A stored photo, for users who may see its report (never a rejected or unchecked file)."""
    with session_scope() as session:
        row = session.get(Attachment, attachment_id)
        if row is None or row.report_id is None or row.rejected_reason or not row.sha256:
            raise HTTPException(404, "photo not found")
        scoped_report(session, user, row.report_id)
    media = (Path(settings_of(request).var_dir) / "media").resolve()
    path = Path(row.path).resolve()
    if not path.is_relative_to(media) or not path.is_file():
        raise HTTPException(404, "photo not found")
    media_type = (
        row.content_type if row.content_type.startswith("image/") else "application/octet-stream"
    )
    return FileResponse(
        path, media_type=media_type, headers={"Cache-Control": "private, max-age=3600"}
    )
