"""Review actions over HTTP: each checks role, scope, claim and CSRF, then calls pipeline.review."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session, select

from pipeline import enqueue, review
from pipeline.db import session_scope
from pipeline.enqueue import AfterCommit
from pipeline.models import Report
from web.review import claims
from web.review.auth import REVIEWERS, Role, require_roles, scope_reports
from web.review.csrf import verify_csrf
from web.review.models import AdminUser
from web.review.reports import render_report, scoped_report

log = structlog.get_logger(__name__)
router = APIRouter(dependencies=[Depends(verify_csrf)])
reviewer = require_roles(*REVIEWERS)
superadmin = require_roles(Role.SUPERADMIN)
#: ReviewError codes that mean "the report moved on" (409) rather than "fix your input" (422).
CONFLICTS = frozenset({"cannot_act_state", "moved_meanwhile", "claim_taken"})
Action = Callable[[Session, int, str], AfterCommit]


def actor(user: AdminUser) -> str:
    """How an admin appears in the audit log."""
    return f"{user.username} ({user.role})"


def perform(
    request: Request,
    user: AdminUser,
    report_id: int,
    name: str,
    action: Action,
    *,
    release: bool = True,
) -> Response:
    """Run one action in a transaction, enqueue its steps after commit, and show the outcome."""
    try:
        with session_scope() as session:
            scoped_report(session, user, report_id)  # 404 outside the user's scope
            if claims.blocked_by(session, report_id, user):
                raise review.ReviewError("claim_taken")
            steps = action(session, report_id, actor(user))
            if release:
                claims.release(session, report_id, user, force=True)  # the report left the queue
    except review.ReviewError as exc:
        status = 409 if exc.code in CONFLICTS else 422
        return render_report(request, user, report_id, error=exc.code, status=status, **exc.details)
    enqueue.run(steps)
    log.info("review_action", action=name, report_id=report_id, user_id=user.id)
    return RedirectResponse(f"/admin/reports/{report_id}?done={name}", status_code=303)


@router.post("/reports/{report_id}/edit")
def edit(
    request: Request,
    report_id: int,
    user: Annotated[AdminUser, Depends(reviewer)],
    description: Annotated[str | None, Form(max_length=5000)] = None,
    street: Annotated[str | None, Form(max_length=255)] = None,
    rt_rw: Annotated[str | None, Form(max_length=32)] = None,
    landmark: Annotated[str | None, Form(max_length=255)] = None,
    kelurahan_code: Annotated[str | None, Form(max_length=16)] = None,
    category: Annotated[str | None, Form(max_length=32)] = None,
) -> Response:
    """Save corrected fields (fields not sent stay; only changes are written and audited)."""
    edits: dict[str, Any] = {
        "description": description,
        "street": street,
        "rt_rw": rt_rw,
        "landmark": landmark,
        "kelurahan_code": kelurahan_code or None,  # "— choose —" keeps the current kelurahan
        "category": category or None,
    }

    def run(session: Session, rid: int, who: str) -> AfterCommit:
        report = session.get(Report, rid)
        if report and report.state == "dead" and user.role != Role.SUPERADMIN.value:
            raise review.ReviewError("cannot_act_state", state="dead")  # dead is ops' business
        return review.edit(session, rid, who, **edits)

    return perform(request, user, report_id, "edit", run, release=False)


@router.post("/reports/{report_id}/approve")
def approve(
    request: Request, report_id: int, user: Annotated[AdminUser, Depends(reviewer)]
) -> Response:
    """Approve: the report goes to the CRM."""
    return perform(request, user, report_id, "approve", review.approve)


def _original_id(session: Session, user: AdminUser, reference: str) -> int:
    """The report a duplicate is merged into, looked up by reference within the user's scope."""
    stmt = select(Report.id).where(
        (Report.reference == reference.strip()) | (Report.tracking_number == reference.strip())  # type: ignore[operator]
    )
    found = session.exec(scope_reports(stmt, user)).first()
    if found is None:
        raise review.ReviewError("bad_merge")
    return int(found)


@router.post("/reports/{report_id}/merge")
def merge(
    request: Request,
    report_id: int,
    user: Annotated[AdminUser, Depends(reviewer)],
    original: Annotated[str, Form(max_length=64)],
) -> Response:
    """Merge into an open report (by reference or tracking number) in the user's scope."""

    def run(session: Session, rid: int, who: str) -> AfterCommit:
        return review.merge(session, rid, who, _original_id(session, user, original))

    return perform(request, user, report_id, "merge", run)


@router.post("/reports/{report_id}/request-info")
def request_info(
    request: Request,
    report_id: int,
    user: Annotated[AdminUser, Depends(reviewer)],
    ask: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """Ask the citizen for what is missing."""
    return perform(request, user, report_id, "request_info", partial(review.request_info, ask=ask))


@router.post("/reports/{report_id}/reject")
def reject(
    request: Request,
    report_id: int,
    user: Annotated[AdminUser, Depends(reviewer)],
    reason: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Reject with a reason the citizen is told."""
    return perform(request, user, report_id, "reject", partial(review.reject, reason=reason))


@router.post("/reports/{report_id}/retry")
def retry(
    request: Request, report_id: int, user: Annotated[AdminUser, Depends(superadmin)]
) -> Response:
    """Send a report the CRM refused again (superadmins, after fixing it)."""
    return perform(request, user, report_id, "retry", review.retry)
