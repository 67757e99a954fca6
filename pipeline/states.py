"""The report state machine: allowed moves, applied as guarded UPDATE ... WHERE state = ..."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import structlog
from sqlalchemy import update
from sqlmodel import Session

from pipeline.models import Report, utcnow

log = structlog.get_logger(__name__)
_REPORT = Report.__table__  # type: ignore[attr-defined]


class ReportState(StrEnum):
    """Where a report is between intake and the CRM."""

    NEW = "new"  # normalized, waiting for triage
    READY = "ready"  # complete: to be pushed to the CRM core
    NEEDS_INFO = "needs_info"  # the citizen was asked for what is missing
    NEEDS_REVIEW = "needs_review"  # in the admin review queue, with reasons
    DUPLICATE = "duplicate"  # linked to an existing report (duplicate_of)
    REJECTED = "rejected"  # spam, abuse, out of scope
    PUSHED = "pushed"  # the CRM core has it; tracking_number set
    DEAD = "dead"  # the CRM refused it (4xx); ops must look


S = ReportState

ALLOWED: dict[ReportState, frozenset[ReportState]] = {
    S.NEW: frozenset({S.READY, S.NEEDS_INFO, S.NEEDS_REVIEW, S.DUPLICATE, S.REJECTED}),
    S.NEEDS_INFO: frozenset({S.NEW, S.NEEDS_REVIEW, S.REJECTED}),
    S.NEEDS_REVIEW: frozenset({S.READY, S.NEEDS_INFO, S.DUPLICATE, S.REJECTED}),
    S.READY: frozenset({S.PUSHED, S.DEAD}),
    S.DEAD: frozenset({S.READY, S.REJECTED}),  # retried after a fix, or dropped by ops
    S.DUPLICATE: frozenset({S.NEEDS_REVIEW}),  # an admin un-merges
    S.REJECTED: frozenset({S.NEEDS_REVIEW}),  # an admin reopens
    S.PUSHED: frozenset(),
}

TERMINAL: frozenset[ReportState] = frozenset({S.PUSHED, S.DUPLICATE, S.REJECTED})
#: States a report may sit in waiting for a person (citizen or admin); the sweeper leaves them.
WAITING: frozenset[ReportState] = frozenset({S.NEEDS_INFO, S.NEEDS_REVIEW, S.DEAD})


class IllegalTransition(ValueError):
    """A move the state machine never allows (a programming error, not a race)."""


def check_allowed(source: ReportState, target: ReportState) -> None:
    """Raise IllegalTransition unless source -> target is an allowed move."""
    if target not in ALLOWED[source]:
        raise IllegalTransition(f"{source} -> {target} is not an allowed transition")


def transition(
    session: Session,
    report_id: int,
    source: ReportState,
    target: ReportState,
    **values: Any,
) -> bool:
    """Move a report from source to target (plus field updates) if and only if it is in source.

    Returns False, logged, when the report is no longer in `source` (another worker or an
    admin moved it first, or this is a redelivery): the move is then not applied twice.
    """
    check_allowed(source, target)
    now = utcnow()
    # A Core UPDATE: the ORM-enabled one would also search the session for the row to sync
    # it, the largest single cost of the hot path. Callers that read the report afterwards
    # refresh it (session.refresh / populate_existing).
    stmt = (
        update(_REPORT)
        .where(_REPORT.c.id == report_id, _REPORT.c.state == source.value)
        .values(state=target.value, state_changed_at=now, updated_at=now, **values)
    )
    moved = session.execute(stmt).rowcount == 1  # type: ignore[attr-defined]
    if not moved:
        current = session.get(Report, report_id, populate_existing=True)
        log.info(
            "transition_refused",
            report_id=report_id,
            expected=source.value,
            target=target.value,
            actual=current.state if current else None,
        )
    return moved
