"""Admin review actions: guarded moves out of needs_review (and dead), each audited.

Every function takes (session, report_id, actor, ...) inside the caller's transaction and
returns the after-commit steps (pushes, replies) to run once it has committed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from config.settings import get_settings
from normalizers import category as categories
from normalizers import gazetteer
from pipeline import blocking, dedupe, keys_version, notify, replies
from pipeline.completeness import rules_for
from pipeline.enqueue import AfterCommit, later
from pipeline.models import AuditAction, CRMPush, Report, ReportFollower, utcnow
from pipeline.states import ReportState, transition
from pipeline.triage import Decision, Outcome

S = ReportState
#: Fields an admin may edit, and the states in which they may.
EDITABLE = ("description", "street", "rt_rw", "landmark", "kelurahan_code", "category")
EDITABLE_IN = (S.NEEDS_REVIEW, S.DEAD)
ASKABLE = tuple(replies.ASK_FOR)


class ReviewError(ValueError):
    """An action that cannot apply: `code` names why (for the UI's message)."""

    def __init__(self, code: str, **details: Any) -> None:
        super().__init__(code)
        self.code = code
        self.details = details


def _load(session: Session, report_id: int, *states: ReportState) -> Report:
    report = session.get(Report, report_id, populate_existing=True)
    if report is None:
        raise ReviewError("not_found")
    if report.state not in {s.value for s in states}:
        raise ReviewError("cannot_act_state", state=report.state)
    return report


def _move(
    session: Session, report: Report, source: ReportState, target: ReportState, **values: Any
) -> None:
    if not transition(session, report.id or 0, source, target, **values):
        raise ReviewError("moved_meanwhile")
    session.refresh(report)


def audit(
    session: Session,
    report_id: int | None,
    actor: str,
    action: str,
    before: dict[str, Any],
    after: dict[str, Any],
    note: str = "",
) -> None:
    """Record who did what, with the changed fields before and after."""
    session.add(
        AuditAction(
            actor=actor[:100],
            action=action,
            report_id=report_id,
            before=before,
            after=after,
            note=note[:1000],
        )
    )


def area_values(kelurahan_code: str) -> dict[str, Any]:
    """The area columns for a kelurahan an admin chose (ReviewError when unknown)."""
    try:
        found = gazetteer.area(kelurahan_code)
    except KeyError:
        raise ReviewError("unknown_kelurahan") from None
    if found.level != "kelurahan":
        raise ReviewError("unknown_kelurahan")
    return {
        "kelurahan_code": found.code,
        "kelurahan_name": found.name,
        "kecamatan_code": found.kecamatan_code,
        "kota_code": found.kota_code,
        "location_confidence": 1.0,
        "location_source": "admin",
    }


def changes(report: Report, edits: dict[str, Any]) -> dict[str, Any]:
    """The columns an edit changes (derived ones included), only where the value differs."""
    values: dict[str, Any] = {}
    for field in EDITABLE:
        if field in edits and edits[field] is not None:
            values[field] = str(edits[field]).strip()
    if "kelurahan_code" in values:
        values |= area_values(values["kelurahan_code"])
    if "category" in values:
        if values["category"] not in categories.OPD:
            raise ReviewError("unknown_category")
        values["opd"] = categories.OPD[values["category"]]
        values["category_confidence"] = 1.0
    if "description" in values and not values["description"]:
        raise ReviewError("empty_description")
    return {k: v for k, v in values.items() if getattr(report, k) != v}


def edit(session: Session, report_id: int, actor: str, **edits: Any) -> AfterCommit:
    """Correct description, address or category of a report under review."""
    report = _load(session, report_id, *EDITABLE_IN)
    values = changes(report, edits)
    if not values:
        return []
    before = {k: getattr(report, k) for k in values}
    for key, value in values.items():
        setattr(report, key, value)
    for key, value in blocking.report_keys(report).items():  # derived: not in the audit
        setattr(report, key, value)
    report.keys_version = keys_version.current()
    report.updated_at = utcnow()
    session.add(report)
    audit(session, report_id, actor, "edit", before, values)
    return []


def approve(session: Session, report_id: int, actor: str) -> AfterCommit:
    """needs_review -> ready, then push to the CRM."""
    report = _load(session, report_id, S.NEEDS_REVIEW)
    # The CRM routes by kelurahan (Suku Dinas of the kota): an admin sets it before approving.
    if not report.kelurahan_code:
        raise ReviewError("needs_kelurahan")
    if not report.description.strip():
        raise ReviewError("empty_description")
    _move(session, report, S.NEEDS_REVIEW, S.READY)
    audit(session, report_id, actor, "approve", {"state": "needs_review"}, {"state": "ready"})
    return [later("push_report", report_id)]


def merge(session: Session, report_id: int, actor: str, original_id: int) -> AfterCommit:
    """needs_review -> duplicate of an open report; the citizen follows it and is told."""
    report = _load(session, report_id, S.NEEDS_REVIEW)
    original = session.get(Report, original_id)
    open_states = {s.value for s in dedupe.OPEN_STATES}
    if original is None or original.id == report.id or original.state not in open_states:
        raise ReviewError("bad_merge")
    _move(session, report, S.NEEDS_REVIEW, S.DUPLICATE, duplicate_of=original_id)
    follows = session.exec(
        select(ReportFollower).where(
            ReportFollower.report_id == original_id,
            ReportFollower.inbox_message_id == report.inbox_message_id,
        )
    ).first()
    if follows is None:
        session.add(ReportFollower(report_id=original_id, inbox_message_id=report.inbox_message_id))
    audit(
        session,
        report_id,
        actor,
        "merge",
        {"state": "needs_review", "duplicate_of": None},
        {"state": "duplicate", "duplicate_of": original_id, "original": original.reference},
    )
    oid = notify.duplicate_reply(session, report, original_id)
    return [later("send_reply", oid)] if oid else []


def request_info(session: Session, report_id: int, actor: str, ask: list[str]) -> AfterCommit:
    """needs_review -> needs_info: ask the citizen, on their channel, for what is missing."""
    report = _load(session, report_id, S.NEEDS_REVIEW)
    items = [a for a in ask if a in ASKABLE]
    if not items:
        raise ReviewError("nothing_to_ask")
    if not rules_for(report.channel).sends_replies:
        raise ReviewError("no_reply_channel")
    window = timedelta(hours=get_settings().pipeline.needs_info_window_h)
    until = utcnow() + window
    _move(
        session,
        report,
        S.NEEDS_REVIEW,
        S.NEEDS_INFO,
        needs_info_until=until,
        info_requests=report.info_requests + 1,
    )
    audit(
        session,
        report_id,
        actor,
        "request_info",
        {"state": "needs_review"},
        {"state": "needs_info", "ask": items, "needs_info_until": until.isoformat()},
    )
    decision = Decision(Outcome.NEEDS_INFO, tuple(report.reasons), ask=tuple(items))
    return [
        later("send_reply", oid)
        for oid in notify.reply_for_triage(session, report, decision)
        if oid
    ]


def reject(session: Session, report_id: int, actor: str, reason: str) -> AfterCommit:
    """needs_review -> rejected; the citizen is told the reason (replies.REJECT_REASONS)."""
    if reason not in replies.REJECT_REASONS:
        raise ReviewError("unknown_reason")
    report = _load(session, report_id, S.NEEDS_REVIEW)
    _move(session, report, S.NEEDS_REVIEW, S.REJECTED, reasons=[*report.reasons, reason])
    audit(
        session,
        report_id,
        actor,
        "reject",
        {"state": "needs_review"},
        {"state": "rejected", "reason": reason},
    )
    decision = Decision(Outcome.REJECTED, (reason,))
    return [
        later("send_reply", oid)
        for oid in notify.reply_for_triage(session, report, decision)
        if oid
    ]


def retry(session: Session, report_id: int, actor: str) -> AfterCommit:
    """dead (the CRM refused it) -> ready again, after a superadmin fixed what it refused."""
    report = _load(session, report_id, S.DEAD)
    push = session.exec(select(CRMPush).where(CRMPush.report_id == report_id)).first()
    error = push.last_error if push else ""
    if push is not None and push.state == "dead":
        push.state, push.updated_at = "pending", utcnow()  # the push may be attempted again
        session.add(push)
    _move(session, report, S.DEAD, S.READY)
    audit(
        session,
        report_id,
        actor,
        "retry",
        {"state": "dead", "crm_error": error},
        {"state": "ready"},
    )
    return [later("push_report", report_id)]
