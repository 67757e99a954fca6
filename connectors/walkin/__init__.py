"""Walk-in desk (kantor kelurahan/kecamatan, Pendopo Balai Kota, kantor inspektorat).

Desk staff enter complaints and letters in the admin UI (web/review/desk.py); each form becomes
one InboundMessage through connectors.intake.accept, like every other channel. The citizen takes
a printed receipt; later news (tracking number, status changes) goes by SMS or e-mail only when
they gave a contact and consented (pipeline/completeness.py RULES["walkin"]).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config.settings import Settings
from connectors.contract import MediaRef
from connectors.walkin.parse import CHANNEL, LETTER_KINDS
from connectors.walkin.reply import NoContact, WalkinReplySender
from connectors.walkin.store import read_document
from connectors.walkin.uploads import PHOTO_TYPES, Limits
from normalizers import gazetteer as gz

__all__ = [
    "CHANNEL",
    "LETTER_KINDS",
    "OFFICE_KINDS",
    "NoContact",
    "WalkinReplySender",
    "build_media_fetcher",
    "build_reply_sender",
    "limits",
    "office_label",
]

#: The face-to-face desks ("Kanal Tatap Muka", seeds/000): Pendopo Balai Kota, Kantor Wali Kota,
#: Kantor Inspektorat, Kantor Kecamatan and Kantor Kelurahan.
OFFICE_KINDS: dict[str, str] = {
    "kelurahan": "Kantor Kelurahan",
    "kecamatan": "Kantor Kecamatan",
    "walikota": "Kantor Wali Kota",
    "balai_kota": "Pendopo Balai Kota",
    "inspektorat": "Kantor Inspektorat",
}


def office_label(office: str) -> str:
    """'kelurahan:31.71.01.1002' -> 'Kantor Kelurahan Cideng'; other codes are shown as they are."""
    kind, _, code = office.partition(":")
    if kind not in OFFICE_KINDS:
        return office
    area = gz.AREAS.get(code)
    name = gz.short_name(area.name) if area else code
    return f"{OFFICE_KINDS[kind]} {name}".strip()


@dataclass(frozen=True)
class ChannelLimits:
    """What the desk channel carries (data, not scattered ifs)."""

    media_types: frozenset[str] = PHOTO_TYPES
    reply_window_s: float | None = None  # SMS and e-mail can be sent any time


LIMITS = ChannelLimits()


def limits(settings: Settings) -> Limits:
    """Upload limits from settings.walkin."""
    w = settings.walkin
    return Limits(w.max_photos, w.max_photo_bytes, w.max_scans, w.max_scan_bytes)


def build_reply_sender(settings: Settings) -> WalkinReplySender | None:
    """SMS (Twilio) or e-mail (SMTP) to consenting citizens; None while neither is configured."""
    tw = settings.twilio
    sms = bool(tw.account_sid and tw.auth_token is not None and tw.sms_from)
    return WalkinReplySender(settings) if sms or settings.email.smtp_host else None


def build_media_fetcher(settings: Settings) -> Callable[[MediaRef], tuple[bytes, str]]:
    """Reads photos the desk stored; refuses any path outside var/walkin/."""

    def fetch(ref: MediaRef) -> tuple[bytes, str]:
        return read_document(settings.var_dir, ref.path), ref.content_type

    return fetch
