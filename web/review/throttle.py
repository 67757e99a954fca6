"""Login lockout: per account (AdminUser counters) and per client address (LoginThrottle)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, or_
from sqlmodel import Session

from config.settings import ReviewSettings
from pipeline.models import utcnow
from web.review.models import AdminUser, LoginThrottle


@dataclass(frozen=True)
class Failures:
    """A failure count and the lock it leads to (None: not locked)."""

    count: int
    locked_until: datetime | None


def after_failure(count: int, limit: int, now: datetime, minutes: float) -> Failures:
    """One more failure; the limit-th locks for `minutes` and the count starts over."""
    count += 1
    if count >= limit:
        return Failures(0, now + timedelta(minutes=minutes))
    return Failures(count, None)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    """True while a lock is in force."""
    return locked_until is not None and locked_until > now


def address_key(address: str) -> str:
    """The throttle key of a client address (hashed: no raw IPs in the table)."""
    return hashlib.sha256(f"ip:{address}".encode()).hexdigest()


def address_locked(session: Session, address: str) -> bool:
    """True while this address is locked out."""
    row = session.get(LoginThrottle, address_key(address))
    return row is not None and is_locked(row.locked_until, utcnow())


def record_failure(
    session: Session, user: AdminUser | None, address: str, cfg: ReviewSettings
) -> None:
    """Count a failed login against the account (if known) and the address."""
    now = utcnow()
    if user is not None:
        result = after_failure(user.failed_logins, cfg.lockout_after, now, cfg.lockout_minutes)
        user.failed_logins = result.count
        user.locked_until = result.locked_until or user.locked_until
        session.add(user)
    key = address_key(address)
    row = session.get(LoginThrottle, key) or LoginThrottle(key=key, window_start=now)
    if now - row.window_start > timedelta(minutes=cfg.lockout_minutes):
        row.failures, row.window_start = 0, now
    result = after_failure(row.failures, cfg.ip_lockout_after, now, cfg.lockout_minutes)
    row.failures = result.count
    row.locked_until = result.locked_until or row.locked_until
    session.add(row)


def record_success(session: Session, user: AdminUser) -> None:
    """A correct password resets the account's failure count."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    session.add(user)


def prune(session: Session, cfg: ReviewSettings) -> int:
    """Forget address counters whose window and lock are over; how many."""
    now = utcnow()
    table = LoginThrottle
    result = session.execute(
        delete(table).where(
            table.window_start < now - timedelta(minutes=cfg.lockout_minutes),  # type: ignore[operator]
            or_(table.locked_until.is_(None), table.locked_until < now),  # type: ignore[union-attr]
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
