"""Which replies a report's citizen (and followers) get, recorded in the outbox."""

from __future__ import annotations

from sqlmodel import Session, select

from config.settings import get_settings
from pipeline import replies
from pipeline.completeness import rules_for
from pipeline.models import InboxMessage, Report, ReportFollower
from pipeline.outbox import enqueue_reply
from pipeline.triage import Decision, Outcome


def _inbox(session: Session, report: Report) -> InboxMessage | None:
    return session.get(InboxMessage, report.inbox_message_id)


def _reply(session: Session, report: Report, kind: str, text: str, key: str = "") -> int | None:
    inbox = _inbox(session, report)
    if inbox is None or not rules_for(report.channel).sends_replies:
        return None
    return enqueue_reply(
        session,
        dedupe_key=key or f"report:{report.id}:{kind}",
        kind=kind,
        inbox=inbox,
        text=text,
        report_id=report.id,
    )


def reply_for_triage(session: Session, report: Report, decision: Decision) -> list[int | None]:
    """The reply (or replies) a triage outcome sends the citizen."""
    ids: list[int | None] = []
    if report.emergency:
        ids.append(_reply(session, report, "emergency", replies.render("emergency")))
    if decision.outcome is Outcome.NEEDS_INFO:
        window = int(get_settings().pipeline.needs_info_window_h)
        ask = replies.ask_for(list(decision.ask), decision.kelurahan_choices)
        text = replies.render("needs_info", ask=ask, window=window)
        ids.append(
            _reply(
                session,
                report,
                "needs_info",
                text,
                key=f"report:{report.id}:needs_info:{report.info_requests}",
            )
        )
    elif decision.outcome is Outcome.NEEDS_REVIEW:
        ids.append(
            _reply(
                session,
                report,
                "in_review",
                replies.render("in_review", reference=report.reference),
            )
        )
    elif decision.outcome is Outcome.REJECTED and "spam" not in decision.reasons:
        # Spam gets no answer: a reply costs an SMS and tells the sender the number is read.
        text = replies.render(
            "rejected",
            reference=report.reference,
            reason=replies.reject_reason(list(decision.reasons)),
        )
        ids.append(_reply(session, report, "rejected", text))
    elif decision.outcome is Outcome.DUPLICATE and decision.duplicate_of:
        if "same_citizen" in decision.reasons:
            ids.append(same_citizen_reply(session, report, decision.duplicate_of))
        else:
            ids.append(duplicate_reply(session, report, decision.duplicate_of))
    return ids


def duplicate_reply(session: Session, report: Report, original_id: int) -> int | None:
    """Tell a duplicate's citizen the original's number (once it has one)."""
    original = session.get(Report, original_id)
    if original is None or not original.tracking_number:
        return _reply(
            session, report, "in_review", replies.render("in_review", reference=report.reference)
        )
    return _reply(
        session,
        report,
        "duplicate",
        replies.render("duplicate", tracking_number=original.tracking_number),
    )


def same_citizen_reply(session: Session, report: Report, own_id: int) -> int | None:
    """Tell a citizen who repeated themselves the number (or reference) of their own report."""
    own = session.get(Report, own_id)
    if own is None:
        return None
    if own.tracking_number:
        text = replies.render("same_citizen", tracking_number=own.tracking_number)
    else:
        text = replies.render("same_citizen_pending", reference=own.reference)
    return _reply(session, report, "same_citizen", text)


def after_push(session: Session, report: Report) -> list[int | None]:
    """The confirmation with the tracking number, and the number for waiting followers."""
    ids = [
        _reply(
            session,
            report,
            "confirmation",
            replies.render("confirmation", tracking_number=report.tracking_number),
        )
    ]
    followers = session.exec(select(Report).where(Report.duplicate_of == report.id)).all()
    for dup in followers:
        if "same_citizen" in dup.reasons:
            continue  # the reporter themselves: the confirmation above already reaches them
        ids.append(
            _reply(
                session,
                dup,
                "duplicate",
                replies.render("duplicate", tracking_number=report.tracking_number),
            )
        )
    return ids


def after_drop(session: Session, report: Report) -> list[int | None]:
    """Ops dropped a report the CRM refused: its citizen, and those who joined it, may resend.

    None of them has a tracking number (they were told one would follow), so silence would
    leave them waiting for good. The same citizen repeating themselves hears it once.
    """
    joined = session.exec(select(Report).where(Report.duplicate_of == report.id)).all()
    return [
        _reply(session, r, "push_dropped", replies.render("push_dropped", reference=r.reference))
        for r in [report, *joined]
        if r is report or "same_citizen" not in r.reasons
    ]


def follower_inboxes(session: Session, report: Report) -> list[InboxMessage]:
    """The first messages of everyone following a report, the reporter first."""
    ids = [report.inbox_message_id] + list(
        session.exec(
            select(ReportFollower.inbox_message_id).where(ReportFollower.report_id == report.id)
        ).all()
    )
    return [m for m in (session.get(InboxMessage, i) for i in dict.fromkeys(ids)) if m]
