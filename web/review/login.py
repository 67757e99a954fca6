"""Login, logout and the language toggle of the admin UI."""

from __future__ import annotations

from dataclasses import dataclass

import structlog
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session, select

from config.settings import ReviewSettings
from pipeline.db import session_scope
from pipeline.models import utcnow
from pipeline.review import audit
from web.review import csrf, i18n, passwords, sessions, throttle
from web.review.auth import current_session, settings_of
from web.review.models import AdminSession, AdminUser
from web.review.templating import templates

log = structlog.get_logger(__name__)
router = APIRouter()


@dataclass(frozen=True)
class LoginResult:
    """A session token on success, else why not (failed | locked)."""

    token: str = ""
    refused: str = ""


def safe_next(target: str) -> str:
    """Only a path inside the admin UI is a redirect target (no open redirect)."""
    ok = target.startswith("/admin") and "//" not in target and "\\" not in target
    return target if ok else "/admin/"


def client_address(request: Request) -> str:
    """The client's address (uvicorn --proxy-headers puts the real one here behind a proxy)."""
    return request.client.host if request.client else "unknown"


def authenticate(
    session: Session, username: str, password: str, address: str, cfg: ReviewSettings
) -> LoginResult:
    """Check a login attempt against lockouts and the password; start a session on success."""
    if throttle.address_locked(session, address):
        return LoginResult(refused="locked")
    name = username.strip().lower()
    user = session.exec(select(AdminUser).where(AdminUser.username == name)).first()
    if user is not None and throttle.is_locked(user.locked_until, utcnow()):
        return LoginResult(refused="locked")
    usable = user is not None and not user.disabled
    if not passwords.verify(user.password_hash if usable and user else None, password):
        throttle.record_failure(session, user, address, cfg)
        if user is not None and throttle.is_locked(user.locked_until, utcnow()):
            audit(
                session,
                None,
                user.username,
                "lockout",
                {},
                {"locked_until": str(user.locked_until)},
            )
        return LoginResult(refused="failed")
    assert user is not None and user.id is not None
    throttle.record_success(session, user)
    audit(session, None, user.username, "login", {}, {"role": user.role})
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    # housekeeping on the (rare) successful login keeps both tables small without a timer
    sessions.prune(session)
    throttle.prune(session, cfg)
    return LoginResult(token=sessions.start(session, user.id, cfg))


def _login_page(request: Request, next_url: str, error: str = "", status: int = 200) -> Response:
    csrf.prepare_login(request)
    response = templates.TemplateResponse(
        request, "login.html", {"next": safe_next(next_url), "error": error}, status_code=status
    )
    csrf.set_login_cookie(request, response)
    return response


@router.get("/login", name="review_login")
def login_form(request: Request, next: str = "/admin/") -> Response:  # noqa: A002
    """The login page."""
    return _login_page(request, next)


@router.post("/login", dependencies=[Depends(csrf.verify_login_csrf)])
def login(
    request: Request,
    username: str = Form("", max_length=64),
    password: str = Form("", max_length=1024),
    next: str = Form("/admin/"),  # noqa: A002
) -> Response:
    """Check the password; on success a new session (never the one the browser brought)."""
    cfg = settings_of(request).review
    with session_scope() as session:
        old = sessions.cookie_token(request)
        if old:
            sessions.end(session, old)  # no fixation: whatever the browser had is dropped
        result = authenticate(session, username, password, client_address(request), cfg)
    if result.refused:
        log.info("admin_login_refused", reason=result.refused)
        lang = i18n.pick(request.cookies.get(i18n.COOKIE), None)
        if result.refused == "locked":
            text = i18n.translate(lang, "login_locked", minutes=int(cfg.lockout_minutes))
            return _login_page(request, next, text, status=429)
        return _login_page(request, next, i18n.translate(lang, "login_failed"), status=401)
    response = RedirectResponse(safe_next(next), status_code=303)
    sessions.set_cookie(response, result.token, cfg)
    response.delete_cookie(csrf.LOGIN_COOKIE, path="/admin")
    return response


@router.post("/logout", dependencies=[Depends(csrf.verify_csrf)])
def logout(request: Request, _row: AdminSession = Depends(current_session)) -> Response:
    """Delete the server-side session and the cookie."""
    with session_scope() as session:
        sessions.end(session, sessions.cookie_token(request))
    response = RedirectResponse("/admin/login", status_code=303)
    sessions.clear_cookie(response, settings_of(request).review)
    return response


@router.get("/lang")
def set_language(request: Request, to: str = i18n.DEFAULT, next: str = "/admin/") -> Response:  # noqa: A002
    """Switch the interface language (a cookie only; nothing on the server changes)."""
    response = RedirectResponse(safe_next(next), status_code=303)
    if to in i18n.LANGS:
        response.set_cookie(
            i18n.COOKIE, to, max_age=365 * 86400, path="/admin", samesite="lax", httponly=True
        )
    return response
