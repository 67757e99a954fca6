"""The audit log page: every review action with before/after, scoped like the queue."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlmodel import Session, select

from pipeline.db import session_scope
from pipeline.models import AuditAction, Report
from web.review.auth import AUDITORS, Role, require_roles, scope_clause
from web.review.models import AdminUser
from web.review.templating import templates

router = APIRouter()
PAGE = 100


def audit_rows(
    session: Session, user: AdminUser, before_id: int | None = None
) -> list[tuple[AuditAction, str]]:
    """Newest first, PAGE at a time (keyset on id): (action, report reference)."""
    stmt = (
        select(AuditAction, Report.reference)
        .outerjoin(Report, Report.id == AuditAction.report_id)
        .order_by(AuditAction.id.desc())  # type: ignore[union-attr]
        .limit(PAGE)
    )
    if user.role != Role.SUPERADMIN.value:
        # area admins see actions on reports in their area; rows without a report are global
        stmt = stmt.where(AuditAction.report_id.is_not(None), scope_clause(user))  # type: ignore[union-attr]
    if before_id:
        stmt = stmt.where(AuditAction.id < before_id)  # type: ignore[operator]
    return [(row, reference or "") for row, reference in session.exec(stmt).all()]


def changed(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for every field an action touched."""
    return [(key, before.get(key), after.get(key)) for key in dict.fromkeys([*before, *after])]


@router.get("/audit")
def audit_page(
    request: Request,
    user: AdminUser = Depends(require_roles(*AUDITORS)),
    before: int | None = None,
) -> Response:
    """The audit log."""
    with session_scope() as session:
        rows = audit_rows(session, user, before)
    entries = [(row, ref, changed(row.before, row.after)) for row, ref in rows]
    older = rows[-1][0].id if len(rows) == PAGE else None
    return templates.TemplateResponse(request, "audit.html", {"entries": entries, "older": older})
