"""What a complete report needs, per channel, as data; and the reasons a draft falls short."""

from __future__ import annotations

from dataclasses import dataclass

from normalizers.report import ReportDraft


@dataclass(frozen=True)
class ChannelRules:
    """How a channel's reports are checked before they may enter the CRM."""

    can_ask: bool = True  # can we ask the citizen for what is missing and wait for the answer?
    sends_replies: bool = True  # does the citizen get receipts and status news on this channel?
    requires_photo: bool = False  # do this channel's admins require a photo?
    always_review: bool = False  # every report goes through an admin (news clippings)


#: Social-media and walk-in reports are checked by channel admins for description, address and
#: photos before they enter the CRM (seeds/001); chat channels can ask the citizen themselves.
RULES: dict[str, ChannelRules] = {
    "twilio": ChannelRules(requires_photo=False),
    "telegram": ChannelRules(requires_photo=False),
    "facebook": ChannelRules(requires_photo=True),
    "twitter": ChannelRules(requires_photo=True),
    "email": ChannelRules(),
    # Walk-in citizens take a printed receipt; the tracking number and later status news go by
    # SMS or e-mail to those who left a contact and consented (connectors/walkin/README.md).
    # The desk cannot ask a citizen who has left: gaps go to admin review.
    "walkin": ChannelRules(can_ask=False, sends_replies=True),
    # LAPOR! answers in its own system.
    "lapor1708": ChannelRules(can_ask=False, sends_replies=False),
    "media_massa": ChannelRules(can_ask=False, sends_replies=False, always_review=True),
    # Replayed files: replies are written to var/replies/import.jsonl.
    "import": ChannelRules(can_ask=False),
}
DEFAULT_RULES = ChannelRules(can_ask=False, sends_replies=False)


@dataclass(frozen=True)
class Thresholds:
    """Location confidence bands: at or above `confident` no human is needed."""

    confident: float = 0.8
    usable: float = 0.5


def rules_for(channel: str) -> ChannelRules:
    """The rules of a channel (unknown channels: no replies, no photo required)."""
    return RULES.get(channel, DEFAULT_RULES)


def missing_items(draft: ReportDraft, rules: ChannelRules) -> list[str]:
    """What the citizen could still send: description, location, photo."""
    missing = [m for m in draft.missing if m in {"description", "location", "address_detail"}]
    if rules.requires_photo and draft.photo_count == 0:
        missing.append("photo")
    return missing


def location_reasons(draft: ReportDraft, thresholds: Thresholds) -> list[str]:
    """Why the location needs a human: outside Jakarta, ambiguous, or low confidence."""
    area = draft.area
    if area.outside_jakarta:
        return ["outside_jakarta"]
    inside_by_point = draft.lat is not None and bool(area.kelurahan_code)
    if inside_by_point or area.confidence >= thresholds.confident:
        return []
    if not area.kelurahan_code and draft.lat is None:
        return []  # nothing resolved at all: that is missing_location, asked for separately
    if area.candidates and len(area.candidates) > 1:
        return ["ambiguous_location"]
    return ["low_confidence"] if area.confidence < thresholds.usable else ["ambiguous_location"]


def kelurahan_choices(draft: ReportDraft, limit: int = 3) -> list[str]:
    """The kelurahan names to offer the citizen when the text fits several in one kecamatan.

    Empty when the kecamatan is unknown or the choices span kecamatan: then the question
    would be too open, and an admin decides (see pipeline/triage.py).
    """
    area = draft.area
    if not area.kecamatan_code:
        return []
    prefix = area.kecamatan_code + "."
    names: dict[str, str] = {}
    for option in area.candidates:
        code, name = str(option.get("kelurahan_code", "")), str(option.get("kelurahan_name", ""))
        if not code.startswith(prefix):
            return []
        if name:
            names.setdefault(code, name)
    return list(names.values())[:limit] if len(names) > 1 else []


def check(draft: ReportDraft, rules: ChannelRules, thresholds: Thresholds) -> list[str]:
    """Every machine-readable reason this draft cannot go to the CRM untouched."""
    reasons = [f"missing_{item}" for item in missing_items(draft, rules)]
    reasons += location_reasons(draft, thresholds)
    if draft.emergency:
        reasons.append("emergency")
    if rules.always_review:
        reasons.append("channel_review")
    return reasons
