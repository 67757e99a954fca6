"""CSRF: synchronizer tokens bound to the server-side session, and a signed one for the login form.

OWASP CSRF Prevention Cheat Sheet: a per-session token kept on the server and compared on every
state-changing request; the login form, which has no session yet, gets an HMAC-signed token tied
to a pre-session cookie (OWASP "Login CSRF"). Each rendered token is freshly salted, so a page
compressed next to attacker text does not leak a constant secret (BREACH).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from fastapi import Depends, HTTPException, Request, Response
from markupsafe import Markup

from config.settings import Settings
from web.review.auth import current_session, settings_of
from web.review.models import AdminSession

FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
LOGIN_COOKIE = "crm_login_csrf"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def issue(secret: str) -> str:
    """A salted token that proves knowledge of `secret` (a new one on every render)."""
    salt = secrets.token_urlsafe(16)
    return f"{salt}.{_mac(secret, salt)}"


def check(secret: str, token: str) -> bool:
    """True when `token` was issued for `secret`."""
    salt, _, mac = token.partition(".")
    return bool(secret and salt and mac) and hmac.compare_digest(_mac(secret, salt), mac)


def _mac(secret: str, salt: str) -> str:
    return hmac.new(secret.encode(), salt.encode(), hashlib.sha256).hexdigest()


def server_key(settings: Settings) -> str:
    """The key that signs login tokens: the setting, or one kept in var/review_secret."""
    if settings.review.secret_key is not None:
        return settings.review.secret_key.get_secret_value()
    path = Path(settings.var_dir) / "review_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "x", encoding="utf-8") as handle:  # first process to start wins
                handle.write(secrets.token_urlsafe(32))
            path.chmod(0o600)
        except FileExistsError:
            pass
    return path.read_text(encoding="utf-8").strip()


def _login_secret(request: Request, nonce: str) -> str:
    return _mac(server_key(settings_of(request)), nonce)


def prepare_login(request: Request) -> str:
    """The pre-session nonce of this browser (new if it sent none); call before rendering login."""
    nonce = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(24)
    request.state.login_nonce = nonce
    return nonce


def set_login_cookie(request: Request, response: Response) -> None:
    """Keep the pre-session nonce in a short-lived HttpOnly cookie for the login POST."""
    response.set_cookie(
        LOGIN_COOKIE,
        request.state.login_nonce,
        max_age=3600,
        path="/admin",
        httponly=True,
        samesite="strict",
        secure=settings_of(request).review.secure_cookies,
    )


def token_for(request: Request) -> str:
    """A token for a form on this page: session-bound, or login-bound before login."""
    row: AdminSession | None = getattr(request.state, "admin_session", None)
    if row is not None:
        return issue(row.csrf_secret)
    nonce = getattr(request.state, "login_nonce", None) or prepare_login(request)
    return issue(_login_secret(request, nonce))


def csrf_field(request: Request) -> Markup:
    """The hidden input every form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, token_for(request))


async def _sent_token(request: Request) -> str:
    header = request.headers.get(HEADER)
    if header:
        return header
    form = await request.form()
    value = form.get(FIELD)
    return value if isinstance(value, str) else ""


async def verify_csrf(request: Request, row: AdminSession = Depends(current_session)) -> None:
    """Refuse (403) a state-changing request whose token is not bound to this session."""
    if request.method in SAFE_METHODS:
        return
    if not check(row.csrf_secret, await _sent_token(request)):
        raise HTTPException(403, "CSRF token missing or invalid; reload the page")


async def verify_login_csrf(request: Request) -> None:
    """Refuse (403) a login POST without the token signed for this browser's nonce."""
    nonce = request.cookies.get(LOGIN_COOKIE, "")
    if not nonce or not check(_login_secret(request, nonce), await _sent_token(request)):
        raise HTTPException(403, "CSRF token missing or invalid; reload the page")
