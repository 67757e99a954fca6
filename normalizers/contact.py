"""Contacts in citizen text: phones to E.164, e-mails, social handles; NIK found and masked."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

REGION = "ID"
_PHONE_HINT = re.compile(r"\+?\d[\d\s().-]{7,}\d")  # 9+ characters of digits and separators
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+\b")
_HANDLE = re.compile(r"(?<![\w@.])@([A-Za-z0-9_]{2,30})\b")
# NIK (Permendagri 7/2019): province(2) kota(2) kecamatan(2) DDMMYY (DD+40 for women) serial(4).
_NIK = re.compile(r"(?<!\d)(\d{2})(\d{4})([0-7]\d)([01]\d)(\d{2})(\d{4})(?!\d)")
_NIK_SPACED = re.compile(r"(?<!\d)\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4}(?!\d)")


@dataclass
class Contacts:
    """What a message says about how to reach its sender."""

    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)
    nik_found: bool = False


def normalize_phone(raw: str) -> str | None:
    """'0812-3456-7890', '+62 812 3456 7890', '6281234567890' -> '+6281234567890', else None."""
    digits = re.sub(r"[^\d+]", "", raw or "")
    if digits.startswith("62") and not digits.startswith("+"):
        digits = "+" + digits
    try:
        number = phonenumbers.parse(digits, REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_nik(digits: str) -> bool:
    """A 16-digit string shaped like an Indonesian NIK (province, date of birth, serial)."""
    m = _NIK.fullmatch(digits)
    if not m:
        return False
    province, day, month = int(m.group(1)), int(m.group(3)), int(m.group(4))
    day = day - 40 if day > 40 else day
    return 11 <= province <= 96 and 1 <= day <= 31 and 1 <= month <= 12


def _mask(nik: str) -> str:
    return nik[:4] + "*" * 12


def mask_nik(text: str) -> str:
    """Replace every NIK in the text by its first four digits and twelve asterisks."""
    text = _NIK_SPACED.sub(
        lambda m: (
            _mask(re.sub(r"\D", "", m.group()))
            if is_nik(re.sub(r"\D", "", m.group()))
            else m.group()
        ),
        text,
    )
    return _NIK.sub(lambda m: _mask(m.group()) if is_nik(m.group()) else m.group(), text)


def mask_phone(e164: str) -> str:
    """'+6281234567890' -> '+62812*****890', for logs and admin lists."""
    return e164[:6] + "*" * max(0, len(e164) - 9) + e164[-3:] if len(e164) > 9 else "***"


def extract_contacts(text: str) -> Contacts:
    """Phones (E.164), e-mails and @handles mentioned in the text; NIKs are never returned."""
    masked = mask_nik(text)
    found = Contacts(nik_found=masked != text)
    found.emails = list(dict.fromkeys(m.group().lower() for m in _EMAIL.finditer(masked)))
    without_mail = _EMAIL.sub(" ", masked)
    found.handles = list(dict.fromkeys(m.group(1) for m in _HANDLE.finditer(without_mail)))
    if _PHONE_HINT.search(without_mail):
        for match in phonenumbers.PhoneNumberMatcher(without_mail, REGION):
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in found.phones:
                found.phones.append(e164)
    return found
