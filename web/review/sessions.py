"""Server-side login sessions: a random token in an HttpOnly cookie, its hash in the table."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from fastapi import Request, Response
from sqlalchemy import delete
from sqlmodel import Session

from config.settings import ReviewSettings
from pipeline.models import utcnow
from web.review.models import AdminSession

COOKIE = "crm_admin"
# Writing last_seen_at on every request would make each page view a write; once a minute is
# precise enough for an idle timeout counted in hours.
TOUCH_EVERY = timedelta(minutes=1)


def token_hash(token: str) -> str:
    """What the table stores of a session token (a stolen table yields no usable cookie)."""
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, user_id: int, cfg: ReviewSettings) -> str:
    """A brand-new session for a user (never reusing a token the browser sent); its token."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AdminSession(
            token_hash=token_hash(token),
            user_id=user_id,
            csrf_secret=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=cfg.session_hours),
        )
    )
    return token


def load(session: Session, token: str, cfg: ReviewSettings) -> AdminSession | None:
    """The live session for a cookie token; expired or idle sessions are deleted."""
    if not token:
        return None
    row = session.get(AdminSession, token_hash(token))
    if row is None:
        return None
    now = utcnow()
    if row.expires_at <= now or now - row.last_seen_at > timedelta(minutes=cfg.idle_minutes):
        session.delete(row)
        return None
    if now - row.last_seen_at > TOUCH_EVERY:
        row.last_seen_at = now
        session.add(row)
    return row


def end(session: Session, token: str) -> None:
    """Delete a session (logout)."""
    session.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash(token)))


def end_all(session: Session, user_id: int) -> int:
    """Delete every session of a user (disable, password reset); how many there were."""
    result = session.execute(delete(AdminSession).where(AdminSession.user_id == user_id))
    return int(result.rowcount)  # type: ignore[attr-defined]


def prune(session: Session) -> int:
    """Delete expired sessions; how many."""
    result = session.execute(delete(AdminSession).where(AdminSession.expires_at <= utcnow()))
    return int(result.rowcount)  # type: ignore[attr-defined]


def set_cookie(response: Response, token: str, cfg: ReviewSettings) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure unless configured off, /admin only."""
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(cfg.session_hours * 3600),
        path="/admin",
        httponly=True,
        samesite="lax",
        secure=cfg.secure_cookies,
    )


def clear_cookie(response: Response, cfg: ReviewSettings) -> None:
    """Tell the browser to forget the session cookie."""
    response.delete_cookie(
        COOKIE, path="/admin", httponly=True, samesite="lax", secure=cfg.secure_cookies
    )


def cookie_token(request: Request) -> str:
    """The session token the browser sent, or ""."""
    return request.cookies.get(COOKIE, "")
