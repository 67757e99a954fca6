"""Compose the normalizers: InboundMessage -> ReportDraft with a `missing` list."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.contract import InboundMessage
from normalizers import address, category, contact, geo, text
from normalizers.area import AreaMatch

__all__ = [
    "AreaMatch",
    "ReportDraft",
    "build_draft",
    "clean_text",
    "missing_fields",
    "resolve_area",
]

TEXT_WINS_AT = 0.8  # a confident address in the words beats a shared pin (people report from home)


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
    nik_found: bool = (
        False  # the citizen wrote a NIK; it is masked in description and original_text
    )


def clean_text(raw: str) -> str:
    """The citizen's own words (kept for callers of the first version of this module)."""
    return text.clean(raw)


def resolve_area(words: str, lat: float | None, lon: float | None) -> tuple[AreaMatch, str]:
    """Area from the text and/or a point, and which decided: 'text', 'geo' or ''."""
    from_text = address.parse_address(words)
    if lat is None or lon is None:
        return from_text, "text" if from_text.source else ""
    from_geo = geo.locate(lat, lon)
    if from_text.kelurahan_code and from_text.confidence >= TEXT_WINS_AT:
        if from_geo.kelurahan_code == from_text.kelurahan_code:
            from_text.confidence = round(min(0.99, from_text.confidence + 0.05), 2)
        return from_text, "text"
    for attr in ("street", "rt_rw", "landmark"):
        setattr(from_geo, attr, getattr(from_text, attr))
    if from_text.kelurahan_code and from_text.kelurahan_code == from_geo.kelurahan_code:
        from_geo.confidence = round(
            min(0.97, max(from_geo.confidence, from_text.confidence) + 0.1), 2
        )
    return from_geo, "geo"


def _address_text(area: AreaMatch) -> str:
    parts = [area.street, area.rt_rw, area.landmark]
    if area.kelurahan_name:
        parts.append(f"Kel. {area.kelurahan_name}")
    if area.kecamatan_name:
        parts.append(f"Kec. {area.kecamatan_name}")
    if area.kota_name:
        parts.append(area.kota_name)
    return ", ".join(p for p in parts if p)


def build_draft(msg: InboundMessage) -> ReportDraft:
    """Normalize one inbound message into a draft and list what is missing."""
    masked = contact.mask_nik(msg.text)
    description = text.clean(masked)
    lat, lon = (msg.location.lat, msg.location.lon) if msg.location is not None else (None, None)
    area, decided_by = resolve_area(description, lat, lon)
    slug, confidence, opd = category.classify(description)
    found = contact.extract_contacts(text.strip_quoted(masked))  # signatures hold phone numbers
    draft = ReportDraft(
        channel=msg.channel,
        external_id=msg.external_id,
        description=description,
        original_text=masked,
        language=text.detect_language(description),
        area=area,
        address_text=_address_text(area),
        lat=lat,
        lon=lon,
        location_source=(
            msg.location.source if decided_by == "geo" and msg.location else decided_by
        ),
        category=slug,
        category_confidence=confidence,
        opd=opd,
        emergency=text.detect_emergency(description),
        contact_handle=msg.sender.handle,
        contact_name=msg.sender.name,
        contact_phone=found.phones[0] if found.phones else "",
        contact_email=found.emails[0] if found.emails else "",
        photo_count=len(msg.media),
        confidential=msg.confidential,
        anonymous=msg.anonymous,
        nik_found=masked != msg.text,
    )
    draft.missing = missing_fields(draft)
    return draft


def missing_fields(draft: ReportDraft) -> list[str]:
    """What a complete report still lacks: description, location, photo, address_detail."""
    missing = []
    if len(draft.description.split()) < 3:
        missing.append("description")
    if not draft.area.kelurahan_code and draft.lat is None:
        missing.append("location")
    if draft.photo_count == 0:
        missing.append("photo")
    area = draft.area
    if (
        area.kecamatan_code
        and draft.lat is None
        and not (area.street or area.landmark or area.rt_rw)
    ):
        missing.append("address_detail")  # the area is known, the spot in it is not
    return missing
