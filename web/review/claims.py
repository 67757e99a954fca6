"""Claims: one admin works on a report at a time; a claim lapses after claim_minutes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pipeline.models import utcnow
from web.review.models import AdminUser, ReportClaim


def holder(session: Session, report_id: int, now: datetime | None = None) -> ReportClaim | None:
    """The live claim on a report, if any."""
    claim = session.exec(select(ReportClaim).where(ReportClaim.report_id == report_id)).first()
    return claim if claim is not None and claim.expires_at > (now or utcnow()) else None


def blocked_by(session: Session, report_id: int, user: AdminUser) -> ReportClaim | None:
    """Someone else's live claim that stops `user` from acting on the report, if any."""
    claim = holder(session, report_id)
    return claim if claim is not None and claim.user_id != user.id else None


def take(session: Session, report_id: int, user: AdminUser, minutes: float) -> bool:
    """Claim (or extend one's own claim on) a report; False when someone else holds it."""
    now = utcnow()
    until = now + timedelta(minutes=minutes)
    session.execute(
        delete(ReportClaim).where(ReportClaim.report_id == report_id, ReportClaim.expires_at <= now)  # type: ignore[arg-type]
    )
    claim = session.exec(select(ReportClaim).where(ReportClaim.report_id == report_id)).first()
    if claim is not None:
        if claim.user_id != user.id:
            return False
        claim.expires_at = until
        session.add(claim)
        return True
    try:
        with session.begin_nested():  # two admins clicking at once: the unique key decides
            session.add(
                ReportClaim(
                    report_id=report_id, user_id=user.id or 0, claimed_at=now, expires_at=until
                )
            )
    except IntegrityError:
        return False
    return True


def release(session: Session, report_id: int, user: AdminUser, *, force: bool = False) -> bool:
    """Drop the user's claim (any claim with force); True when one was dropped."""
    stmt = delete(ReportClaim).where(ReportClaim.report_id == report_id)  # type: ignore[arg-type]
    if not force:
        stmt = stmt.where(ReportClaim.user_id == user.id)  # type: ignore[arg-type]
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]
