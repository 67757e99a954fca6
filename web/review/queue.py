"""The review queue: flagged reports in the user's scope, oldest first, with the SLA countdown."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import String, and_, cast, func, or_
from sqlmodel import Session, select

from config.settings import ReviewSettings
from normalizers import gazetteer
from pipeline import triage
from pipeline.db import session_scope
from pipeline.models import Report, utcnow
from pipeline.states import ReportState
from web.review.auth import REVIEWERS, Role, require_roles, scope_reports, settings_of
from web.review.models import AdminUser, ReportClaim
from web.review.templating import templates

router = APIRouter()
reviewer = require_roles(*REVIEWERS)

#: Reasons a report in the queue can carry: triage's (pipeline/triage.py) except those that
#: never lead to review, the sweeper's unanswered question, and the CRM's refusal (dead).
REASONS = (
    *(
        r
        for r in triage.REASONS
        if r not in {"spam", "duplicate", "same_citizen", "outside_jakarta"}
    ),
    "no_answer",
    "crm_rejected",
)
AGES = (0, 1, 6, 24, 72)  # "waiting longer than N hours" filter choices
PAGE = 100  # oldest first: more than a screenful is never worked through at once
_SLUG = re.compile(r"[a-z0-9_]{1,40}")
_CODE = re.compile(r"31(\.\d{2}){1,2}(\.\d{4})?")


@dataclass(frozen=True)
class QueueFilters:
    """What the admin narrowed the queue to (validated; empty means any)."""

    reason: str = ""
    channel: str = ""
    area: str = ""
    age_h: int = 0

    @classmethod
    def parse(cls, params: Any) -> QueueFilters:
        """Filters from query parameters; anything malformed is ignored."""
        reason, channel, area = (
            str(params.get(k, "")).strip() for k in ("reason", "channel", "area")
        )
        age = str(params.get("age", "0"))
        return cls(
            reason=reason if _SLUG.fullmatch(reason) else "",
            channel=channel if _SLUG.fullmatch(channel) else "",
            area=area if _CODE.fullmatch(area) else "",
            age_h=int(age) if age.isdigit() and int(age) in AGES else 0,
        )

    def url(self) -> str:
        """/admin/ with these filters as query parameters."""
        params = {"reason": self.reason, "channel": self.channel, "area": self.area}
        params["age"] = str(self.age_h) if self.age_h else ""
        query = urlencode({k: v for k, v in params.items() if v})
        return "/admin/" + (f"?{query}" if query else "")


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue."""

    id: int
    reference: str
    state: str
    channel: str
    reasons: list[str]
    description: str
    kelurahan_name: str
    category: str
    waiting_since: datetime
    deadline: datetime
    claimed_by: str
    claimed_by_me: bool


def states_for(user: AdminUser) -> list[str]:
    """needs_review for every reviewer; dead (CRM refused) for superadmins too."""
    states = [ReportState.NEEDS_REVIEW.value]
    if user.role == Role.SUPERADMIN.value:
        states.append(ReportState.DEAD.value)
    return states


def _filtered(stmt: Any, filters: QueueFilters, now: datetime) -> Any:
    if filters.reason:
        # reasons is a JSON list of slugs: match the quoted slug in its text form (SQLite and
        # PostgreSQL both render it as ["a", "b"]); the slug regex keeps LIKE wildcards out.
        stmt = stmt.where(cast(Report.reasons, String).like(f'%"{filters.reason}"%'))
    if filters.channel:
        stmt = stmt.where(Report.channel == filters.channel)
    if filters.area:
        code = filters.area
        stmt = stmt.where(
            or_(
                Report.kota_code == code,
                Report.kecamatan_code == code,
                Report.kelurahan_code == code,
            )
        )
    if filters.age_h:
        stmt = stmt.where(Report.state_changed_at <= now - timedelta(hours=filters.age_h))
    return stmt


def _excerpt(text: str, limit: int = 280) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def queue_base(user: AdminUser) -> Any:
    """Ids of the reports in the user's queue (before filters)."""
    stmt = select(Report.id).where(Report.state.in_(states_for(user)))  # type: ignore[attr-defined]
    return scope_reports(stmt, user)


def _rows(session: Session, user: AdminUser, ids: Any, cfg: ReviewSettings) -> list[QueueRow]:
    now = utcnow()
    stmt = (
        select(
            Report.id,
            Report.reference,
            Report.state,
            Report.channel,
            Report.reasons,
            Report.description,
            Report.kelurahan_name,
            Report.category,
            Report.state_changed_at,
            AdminUser.id.label("holder_id"),
            AdminUser.username,
            AdminUser.display_name,  # type: ignore[union-attr]
        )
        .outerjoin(
            ReportClaim, and_(ReportClaim.report_id == Report.id, ReportClaim.expires_at > now)
        )
        .outerjoin(AdminUser, AdminUser.id == ReportClaim.user_id)
        .where(Report.id.in_(ids))  # type: ignore[union-attr]
        .order_by(Report.state_changed_at, Report.id)
        .limit(PAGE)
    )
    sla = timedelta(hours=cfg.sla_hours)
    return [
        QueueRow(
            id=r.id,
            reference=r.reference,
            state=r.state,
            channel=r.channel,
            reasons=list(r.reasons or []),
            description=r.description[:280],
            kelurahan_name=r.kelurahan_name,
            category=r.category,
            waiting_since=r.state_changed_at,
            deadline=r.state_changed_at + sla,
            claimed_by=(r.display_name or r.username or "") if r.holder_id else "",
            claimed_by_me=r.holder_id == user.id,
        )
        for r in session.execute(stmt).all()
    ]


def queue_rows(
    session: Session, user: AdminUser, filters: QueueFilters, cfg: ReviewSettings
) -> tuple[list[QueueRow], int]:
    """The user's queue (first PAGE rows) and how many reports match in all."""
    ids = _filtered(queue_base(user), filters, utcnow())
    total = session.exec(select(func.count()).select_from(ids.subquery())).one()
    return _rows(session, user, ids, cfg), int(total)


def queue_row(
    session: Session, user: AdminUser, report_id: int, cfg: ReviewSettings
) -> QueueRow | None:
    """One report's queue line, or None when it is not (or no longer) in the user's queue."""
    found = _rows(session, user, queue_base(user).where(Report.id == report_id), cfg)
    return found[0] if found else None


def area_choices(user: AdminUser) -> list[tuple[str, str]]:
    """(code, label) of the areas below the user's own, for the area filter."""
    role = Role(user.role)
    if role is Role.ADMIN_KELURAHAN or role is Role.DESK_STAFF:
        return []
    if role is Role.ADMIN_KECAMATAN:
        return [(k.code, k.name) for k in gazetteer.kelurahan_in(user.kecamatan_code)]
    if role is Role.ADMIN_WALIKOTA:
        return [(k.code, k.name) for k in gazetteer.KECAMATAN if k.kota_code == user.kota_code]
    choices = []  # superadmin, channel admin: each kota, then its kecamatan
    for kota in gazetteer.KOTA:
        choices.append((kota.code, kota.name))
        kecamatan = [k for k in gazetteer.KECAMATAN if k.kota_code == kota.code]
        choices += [(k.code, f"— {k.name}") for k in kecamatan]
    return choices


def channels_in_scope(session: Session, user: AdminUser) -> list[str]:
    """Channels that have reports waiting in the user's queue (for the filter)."""
    stmt = scope_reports(
        select(Report.channel).where(Report.state.in_(states_for(user))).distinct(),
        user,  # type: ignore[attr-defined]
    )
    return sorted(session.exec(stmt).all())


def _context(request: Request, user: AdminUser) -> dict[str, Any]:
    filters = QueueFilters.parse(request.query_params)
    cfg = settings_of(request).review
    with session_scope() as session:
        rows, total = queue_rows(session, user, filters, cfg)
        channels = channels_in_scope(session, user)
    return {
        "rows": rows,
        "total": total,
        "filters": filters,
        "channels": channels,
        "areas": area_choices(user),
        "reasons": REASONS,
        "ages": AGES,
        "now": utcnow(),
    }


@router.get("/", name="review_queue")
def queue_page(request: Request, user: AdminUser = Depends(require_roles(*Role))) -> Response:
    """The queue page (desk staff land on their desk instead)."""
    if user.role not in {r.value for r in REVIEWERS}:
        return RedirectResponse("/admin/desk", status_code=303)
    return templates.TemplateResponse(request, "queue.html", _context(request, user))


@router.get("/queue/rows")
def queue_rows_partial(request: Request, user: AdminUser = Depends(reviewer)) -> Response:
    """The queue's table body alone (htmx refresh and filter changes)."""
    context = _context(request, user)
    # The address bar follows the filters (replaced, not pushed: the minutely refresh must not
    # fill the history), so a reload or a shared link shows the same queue.
    # https://htmx.org/headers/hx-replace-url/
    headers = {"HX-Replace-Url": context["filters"].url()}
    return templates.TemplateResponse(request, "_queue_rows.html", context, headers=headers)
