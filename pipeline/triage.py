"""Triage: one pure decision per normalized report, with machine-readable reasons."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from normalizers.report import ReportDraft
from pipeline.completeness import ChannelRules, Thresholds, check, missing_items
from pipeline.dedupe import Candidate


class Outcome(StrEnum):
    """Where triage sends a report."""

    READY = "ready"
    NEEDS_INFO = "needs_info"
    NEEDS_REVIEW = "needs_review"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@dataclass(frozen=True)
class TriageSettings:
    """Thresholds for duplicates (combined score 0-1) and location confidence."""

    duplicate_above: float = 0.92
    review_above: float = 0.75
    location: Thresholds = field(default_factory=Thresholds)


@dataclass(frozen=True)
class Decision:
    """Triage's verdict: the outcome, why, what to ask for, and the report it duplicates."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()
    duplicate_of: int | None = None
    candidates: tuple[Candidate, ...] = ()


#: Reasons only an admin can settle (asking the citizen would not help).
_REVIEW_REASONS = frozenset(
    {"ambiguous_location", "low_confidence", "emergency", "channel_review", "possible_duplicate"}
)


def decide(
    draft: ReportDraft,
    candidates: list[Candidate],
    rules: ChannelRules,
    settings: TriageSettings,
    *,
    asked_before: bool = False,
) -> Decision:
    """Decide ready / needs_info / needs_review / duplicate / rejected for one draft."""
    if "outside_jakarta" in check(draft, rules, settings.location):
        return Decision(Outcome.REJECTED, ("outside_jakarta",))
    best = candidates[0] if candidates else None
    if best and best.score >= settings.duplicate_above and not draft.emergency:
        return Decision(
            Outcome.DUPLICATE, ("duplicate",), duplicate_of=best.report_id, candidates=(best,)
        )
    reasons = check(draft, rules, settings.location)
    near = tuple(c for c in candidates if c.score >= settings.review_above)
    if near:
        reasons.append("possible_duplicate")
    ask = tuple(missing_items(draft, rules))
    if ask and rules.can_ask and not asked_before and not _REVIEW_REASONS.intersection(reasons):
        return Decision(Outcome.NEEDS_INFO, tuple(reasons), ask=ask)
    if reasons:
        return Decision(Outcome.NEEDS_REVIEW, tuple(reasons), ask=ask, candidates=near)
    return Decision(Outcome.READY)
