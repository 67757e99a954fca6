"""Compose the normalizers: InboundMessage -> ReportDraft with a `missing` list."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from connectors.contract import InboundMessage

_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"(?<!\w)@\w+")
_SPACE = re.compile(r"\s+")


@dataclass
class AreaMatch:
    """An address resolved to Kemendagri areas, with how sure we are (0-1)."""

    kota_code: str = ""
    kota_name: str = ""
    kecamatan_code: str = ""
    kecamatan_name: str = ""
    kelurahan_code: str = ""
    kelurahan_name: str = ""
    street: str = ""
    rt_rw: str = ""
    landmark: str = ""
    confidence: float = 0.0
    has_address: bool = False
    outside_jakarta: bool = False
    candidates: list[dict[str, object]] = field(default_factory=list)


@dataclass
class ReportDraft:
    """A normalized report before triage; every field derived from one inbound message."""

    channel: str
    external_id: str
    description: str
    original_text: str
    language: str = "id"
    area: AreaMatch = field(default_factory=AreaMatch)
    address_text: str = ""
    lat: float | None = None
    lon: float | None = None
    location_source: str = ""
    category: str = "lainnya"
    category_confidence: float = 0.0
    opd: str = ""
    emergency: str = ""  # "" or the kind: kebakaran, kecelakaan, tenggelam ...
    contact_handle: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    photo_count: int = 0
    confidential: bool = False
    anonymous: bool = False
    missing: list[str] = field(default_factory=list)


def clean_text(text: str) -> str:
    """Drop URLs and @mentions, fold white space."""
    text = _URL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return _SPACE.sub(" ", text).strip()


def build_draft(msg: InboundMessage) -> ReportDraft:
    """Normalize one inbound message into a draft and list what is missing."""
    description = clean_text(msg.text)
    draft = ReportDraft(
        channel=msg.channel,
        external_id=msg.external_id,
        description=description,
        original_text=msg.text,
        contact_handle=msg.sender.handle,
        contact_name=msg.sender.name,
        photo_count=len(msg.media),
        confidential=msg.confidential,
        anonymous=msg.anonymous,
    )
    if msg.location is not None:
        draft.lat, draft.lon = msg.location.lat, msg.location.lon
        draft.location_source = msg.location.source
    draft.missing = missing_fields(draft)
    return draft


def missing_fields(draft: ReportDraft) -> list[str]:
    """What a complete report still lacks: description, location, photo."""
    missing = []
    if len(draft.description.split()) < 3:
        missing.append("description")
    if not draft.area.kelurahan_code and draft.lat is None:
        missing.append("location")
    if draft.photo_count == 0:
        missing.append("photo")
    return missing
