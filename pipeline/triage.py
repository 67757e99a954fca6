"""Triage: one pure decision per normalized report, with machine-readable reasons.

(draft, candidates, rules, settings) -> Decision. Order of the checks:

1. spam -> rejected (no reply: answering a spammer's number costs an SMS and confirms it);
2. outside DKI Jakarta -> rejected;
3. abuse with no complaint in it (only insults) -> rejected `profanity`; a real complaint
   written with abusive words goes to an admin (`profanity`), who may edit and approve it;
4. the same citizen again about the same issue -> duplicate `same_citizen` of their own open
   report; the same citizen about another place, category or problem is a new report;
5. another citizen's open report scoring at or above duplicate_above -> duplicate;
6. completeness: ask the citizen (needs_info) what they can answer, else admin review.

Emergencies are never linked as duplicates: an admin sees each one (and the citizen is sent
to Jakarta Siaga 112).

Open question of session 1, decided here: an ambiguous kelurahan inside a known kecamatan
("Jl. Tebet Raya, Tebet": Tebet Barat or Tebet Timur?) is ASKED of the citizen once, naming
the choices, on channels that can ask; only the citizen knows where the pothole is, and an
admin would have to ask them anyway. A second ambiguous answer, a channel that cannot ask,
or ambiguity across kecamatan goes to admin review as `ambiguous_location`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from config.settings import TriageSettings
from normalizers.report import ReportDraft
from pipeline import spam
from pipeline.completeness import ChannelRules, Thresholds, check, kelurahan_choices, missing_items
from pipeline.dedupe import Candidate

__all__ = ["REASONS", "Decision", "Outcome", "TriageSettings", "decide", "same_issue_of_own"]


class Outcome(StrEnum):
    """Where triage sends a report (values are ReportState values)."""

    READY = "ready"
    NEEDS_INFO = "needs_info"
    NEEDS_REVIEW = "needs_review"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


#: Every reason triage gives, for filters in the admin UI.
REASONS = (
    "missing_description",
    "missing_location",
    "missing_address_detail",
    "missing_photo",
    "ambiguous_location",
    "low_confidence",
    "outside_jakarta",
    "emergency",
    "channel_review",
    "possible_duplicate",
    "profanity",
    "spam",
    "duplicate",
    "same_citizen",
)


@dataclass(frozen=True)
class Decision:
    """Triage's verdict: the outcome, why, what to ask for, and the report it duplicates."""

    outcome: Outcome
    reasons: tuple[str, ...] = ()
    ask: tuple[str, ...] = ()
    duplicate_of: int | None = None
    candidates: tuple[Candidate, ...] = ()
    kelurahan_choices: tuple[str, ...] = ()  # names to offer when asking for the kelurahan


#: Reasons only an admin can settle (asking the citizen would not help).
_REVIEW_REASONS = frozenset(
    {
        "ambiguous_location",
        "low_confidence",
        "emergency",
        "channel_review",
        "possible_duplicate",
        "profanity",
    }
)


def same_issue_of_own(candidates: list[Candidate], settings: TriageSettings) -> Candidate | None:
    """The citizen's own open report this one repeats, if any (best first)."""
    for c in candidates:
        if not c.same_citizen or c.same_place is False:
            continue
        if c.score >= settings.review_above or (
            c.same_category and c.text_score >= settings.same_citizen_above
        ):
            return c
    return None


def _is_complaint(draft: ReportDraft) -> bool:
    """Does the message say what is wrong or where, beyond the insults? (When in doubt an
    admin reads it: the classifier misses ~12 % of categories.)"""
    if "description" in draft.missing:
        return False
    return draft.category != "lainnya" or bool(draft.area.kelurahan_code) or draft.lat is not None


def decide(
    draft: ReportDraft,
    candidates: list[Candidate],
    rules: ChannelRules,
    settings: TriageSettings,
    *,
    asked_before: bool = False,
) -> Decision:
    """Decide ready / needs_info / needs_review / duplicate / rejected for one draft."""
    words = draft.original_text or draft.description
    if spam.is_spam(words):
        return Decision(Outcome.REJECTED, ("spam",))
    thresholds = Thresholds(settings.location_confident, settings.location_usable)
    reasons = check(draft, rules, thresholds)
    if "outside_jakarta" in reasons:
        return Decision(Outcome.REJECTED, ("outside_jakarta",))
    abusive = bool(spam.profanity(words))
    if abusive and not _is_complaint(draft):
        return Decision(Outcome.REJECTED, ("profanity",))
    if not draft.emergency:
        linked = _duplicate(candidates, settings)
        if linked is not None:
            return linked
    if abusive:
        reasons.append("profanity")
    near = tuple(c for c in candidates if c.score >= settings.review_above)
    if near:
        reasons.append("possible_duplicate")
    return _complete(draft, rules, reasons, near, asked_before)


def _duplicate(candidates: list[Candidate], settings: TriageSettings) -> Decision | None:
    own = same_issue_of_own(candidates, settings)
    if own is not None:
        return Decision(
            Outcome.DUPLICATE, ("same_citizen",), duplicate_of=own.report_id, candidates=(own,)
        )
    best = candidates[0] if candidates else None
    if best and best.score >= settings.duplicate_above:
        return Decision(
            Outcome.DUPLICATE, ("duplicate",), duplicate_of=best.report_id, candidates=(best,)
        )
    return None


def _complete(
    draft: ReportDraft,
    rules: ChannelRules,
    reasons: list[str],
    near: tuple[Candidate, ...],
    asked_before: bool,
) -> Decision:
    """needs_info when the citizen can supply what is missing, else review, else ready."""
    ask = missing_items(draft, rules)
    choices: tuple[str, ...] = ()
    if "ambiguous_location" in reasons or "location" in ask:
        choices = tuple(kelurahan_choices(draft))
    blocking = set(_REVIEW_REASONS)
    if choices:  # the kecamatan is known: ask which of its kelurahan, naming them
        ask = [item for item in ask if item != "location"] + ["kelurahan"]
        blocking.discard("ambiguous_location")
    if ask and rules.can_ask and not asked_before and not blocking.intersection(reasons):
        return Decision(
            Outcome.NEEDS_INFO, tuple(reasons), ask=tuple(ask), kelurahan_choices=choices
        )
    if reasons:
        return Decision(Outcome.NEEDS_REVIEW, tuple(reasons), ask=tuple(ask), candidates=near)
    return Decision(Outcome.READY)
