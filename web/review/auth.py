"""Who is logged in, what their role may use, and which reports their area or channel covers."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy import ColumnElement, and_, false, select, true
from sqlalchemy.orm import object_session

from config.settings import Settings, get_settings
from pipeline.db import session_scope
from pipeline.models import InboxMessage, Report
from web.review import sessions
from web.review.models import AdminSession, AdminUser

#: Walk-in reports come in on this channel; the desk's office is in the stored message's
#: reply_context["office"] (connectors/walkin sets it from the desk user's AdminUser.office).
WALKIN = "walkin"
OFFICE_KEY = "office"

Stmt = TypeVar("Stmt")


class Role(StrEnum):
    """What an account may do, and over which reports."""

    SUPERADMIN = "superadmin"
    ADMIN_WALIKOTA = "admin_walikota"  # one kota (kota_code)
    ADMIN_KECAMATAN = "admin_kecamatan"  # one kecamatan (kecamatan_code)
    ADMIN_KELURAHAN = "admin_kelurahan"  # one kelurahan (kelurahan_code)
    CHANNEL_ADMIN = "channel_admin"  # one channel (channel), every area
    DESK_STAFF = "desk_staff"  # walk-in reports of one office (office)


#: Roles that work the review queue; desk staff only enter walk-in reports.
REVIEWERS = (
    Role.SUPERADMIN,
    Role.ADMIN_WALIKOTA,
    Role.ADMIN_KECAMATAN,
    Role.ADMIN_KELURAHAN,
    Role.CHANNEL_ADMIN,
)
#: Roles that read the audit log (each within its area).
AUDITORS = (Role.SUPERADMIN, Role.ADMIN_WALIKOTA, Role.ADMIN_KECAMATAN, Role.ADMIN_KELURAHAN)

#: The field of AdminUser that names each scoped role's area, and the Report column it matches.
AREA_FIELD: dict[Role, str] = {
    Role.ADMIN_WALIKOTA: "kota_code",
    Role.ADMIN_KECAMATAN: "kecamatan_code",
    Role.ADMIN_KELURAHAN: "kelurahan_code",
    Role.CHANNEL_ADMIN: "channel",
}


def settings_of(request: Request) -> Settings:
    """The settings the app was built with (build_router stores them per request)."""
    return getattr(request.state, "settings", None) or get_settings()


def _login_required(request: Request) -> HTTPException:
    if request.headers.get("HX-Request"):
        # htmx follows HX-Redirect with a full page load (https://htmx.org/reference/#headers)
        return HTTPException(401, "login required", headers={"HX-Redirect": "/admin/login"})
    if "text/html" in request.headers.get("accept", ""):
        target = "/admin/login?next=" + quote(request.url.path, safe="/")
        return HTTPException(303, "login required", headers={"Location": target})
    return HTTPException(401, "login required")


def current_user(request: Request) -> AdminUser:
    """The logged-in, enabled user; browsers without a session go to /admin/login."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    cfg = settings_of(request).review
    with session_scope() as session:
        row = sessions.load(session, sessions.cookie_token(request), cfg)
        user = session.get(AdminUser, row.user_id) if row else None
    if row is None or user is None or user.disabled:
        raise _login_required(request)
    request.state.user = user
    request.state.admin_session = row
    return user


def current_session(request: Request, _user: AdminUser = Depends(current_user)) -> AdminSession:
    """The server-side session of the logged-in user."""
    return request.state.admin_session


def require_roles(*roles: Role) -> Callable[..., AdminUser]:
    """A dependency: the current user, or 403 when their role is not one of `roles`."""
    allowed = {Role(r).value for r in roles}

    def dependency(user: AdminUser = Depends(current_user)) -> AdminUser:
        if user.role not in allowed:
            raise HTTPException(403, "your role may not use this page")
        return user

    return dependency


def scope_clause(user: AdminUser) -> ColumnElement[bool]:
    """The WHERE clause over Report that limits it to what this user may see."""
    role = Role(user.role)
    if role is Role.SUPERADMIN:
        return true()
    if role is Role.DESK_STAFF:
        if not user.office:
            return false()
        office = InboxMessage.payload["reply_context"][OFFICE_KEY].as_string()  # type: ignore[index]
        entered_here = select(InboxMessage.id).where(
            InboxMessage.channel == WALKIN, office == user.office
        )
        return and_(Report.channel == WALKIN, Report.inbox_message_id.in_(entered_here))  # type: ignore[attr-defined]
    field = AREA_FIELD[role]
    value = getattr(user, field)
    # An account with no area configured sees nothing (never the reports that lack an area).
    return getattr(Report, field) == value if value else false()


def scope_reports(stmt: Stmt, user: AdminUser) -> Stmt:
    """Add the user's scope to a select over Report."""
    return stmt.where(scope_clause(user))  # type: ignore[attr-defined]


def can_act(user: AdminUser, report: Report) -> bool:
    """True when the report lies within the user's area/channel/office (Python twin of scope)."""
    if user.disabled:
        return False
    role = Role(user.role)
    if role is Role.SUPERADMIN:
        return True
    if role is Role.DESK_STAFF:
        return bool(user.office) and report.channel == WALKIN and _office(report) == user.office
    value = getattr(user, AREA_FIELD[role])
    return bool(value) and getattr(report, AREA_FIELD[role]) == value


def _office(report: Report) -> str:
    session = object_session(report)
    inbox = session.get(InboxMessage, report.inbox_message_id) if session else None
    context: dict[str, Any] = (inbox.payload or {}).get("reply_context") or {} if inbox else {}
    return str(context.get(OFFICE_KEY, ""))
