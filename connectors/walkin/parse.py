"""Walk-in desk form -> InboundMessage (pure): validated fields, checked uploads, masked NIK."""

from __future__ import annotations

import calendar
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from connectors.contract import InboundMessage, Location, MediaRef, Sender
from connectors.walkin.uploads import (
    CheckedUpload,
    Limits,
    StoredFile,
    Upload,
    UploadRefused,
    check_uploads,
)
from normalizers import contact
from normalizers import gazetteer as gz

CHANNEL = "walkin"

#: How the complaint reached the desk: told at the counter, a letter, a letter to the governor
#: (surat gubernur), or a disposition forwarded down by a superior office.
LETTER_KINDS: dict[str, str] = {
    "aduan_lisan": "Aduan lisan",
    "surat": "Surat",
    "surat_gubernur": "Surat gubernur",
    "disposisi": "Disposisi",
}
#: Kinds that are a letter: the scan is the complaint itself, so it is required.
NEEDS_SCAN = frozenset({"surat", "surat_gubernur", "disposisi"})

#: A fixed namespace: external_id = uuid5(namespace, staff id + form token).
EXTERNAL_ID_NAMESPACE = uuid.UUID("4f0c2a5e-2d0e-4c52-9d63-3b1f8e7a9c11")

MAX_DESCRIPTION = 5000
MIN_DESCRIPTION_WORDS = 3
_RT_RW = re.compile(r"^\s*(\d{1,3})\s*[/.\-]\s*(\d{1,3})\s*$")
LOCATION_MARK = "\n\nLokasi: "  # between the citizen's words and the desk's address line
_EMAIL = re.compile(r"^[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+$")


class FormInvalid(ValueError):
    """The form cannot be accepted; `errors` maps a field name to a Bahasa Indonesia message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = dict(errors)


@dataclass
class DeskEntry:
    """A validated desk form: everything the desk may keep, NIK already masked."""

    external_id: str
    office: str
    staff_id: str
    letter_kind: str
    description: str
    kelurahan: gz.Area
    street: str = ""
    rt_rw: str = ""
    landmark: str = ""
    citizen_name: str = ""
    phone_e164: str = ""
    email: str = ""
    consent: bool = False
    confidential: bool = False
    anonymous: bool = False
    nik_masked: str = ""
    photos: list[CheckedUpload] = field(default_factory=list)
    scans: list[CheckedUpload] = field(default_factory=list)


def external_id(staff_id: str, token: str) -> str:
    """The inbox id of one form: the same staff submitting the same form twice gets one row.

    Derived with the staff id so a token copied into someone else's form cannot open (or
    collide with) another desk's report.
    """
    return str(uuid.uuid5(EXTERNAL_ID_NAMESPACE, f"{staff_id}\n{token}"))


def _token(raw: str) -> str:
    try:
        parsed = uuid.UUID(raw.strip())
    except ValueError:
        parsed = None
    if parsed is None or parsed.version != 4:  # the server issues uuid4 tokens only
        raise FormInvalid({"token": "Formulir kedaluwarsa. Muat ulang halaman."})
    return str(parsed)


#: Province codes of Kemendagri (Kepmendagri 300.2.2-2138/2025): a NIK starts with one of them.
#: 91/92 are also on NIKs issued in Papua before the 2022 split into 91-96.
PROVINCE_CODES = frozenset(
    [*range(11, 20), 21, *range(31, 37), 51, 52, 53, *range(61, 66), *range(71, 77), 81, 82]
    + [*range(91, 97)]
)


def plausible_nik(digits: str) -> bool:
    """16 digits: a real province, non-zero kota and kecamatan, a calendar date, a serial."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    # Permendagri 7/2019 (NIK): province(2) kota(2) kecamatan(2) DDMMYY, DD+40 for women,
    # then a 4-digit serial that starts at 0001.
    day, month = int(digits[6:8]), int(digits[8:10])
    day = day - 40 if day > 40 else day
    return (
        int(digits[:2]) in PROVINCE_CODES
        and digits[2:4] != "00"
        and digits[4:6] != "00"
        and 1 <= month <= 12
        and 1 <= day <= calendar.monthrange(2000, month)[1]  # 2000: 29 February is allowed
        and digits[12:] != "0000"
    )


def check_nik(raw: str) -> str:
    """A NIK typed at the desk -> its masked form ('3174************'); '' when left empty."""
    digits = re.sub(r"[\s.\-]", "", raw or "")
    if not digits:
        return ""
    if not digits.isdigit() or len(digits) != 16:
        raise FormInvalid({"nik": "NIK harus 16 angka."})
    if not plausible_nik(digits):
        raise FormInvalid({"nik": "NIK tidak valid: periksa kode wilayah dan tanggal lahir."})
    return digits[:4] + "*" * 12  # the same mask as normalizers.contact.mask_nik


def _rt_rw(raw: str) -> str:
    if not raw.strip():
        return ""
    match = _RT_RW.match(raw)
    if not match:
        raise FormInvalid({"rt_rw": "Tulis RT/RW seperti 003/007."})
    return f"{int(match.group(1)):03d}/{int(match.group(2)):03d}"


def _kelurahan(code: str) -> gz.Area:
    area = gz.AREAS.get(code.strip())
    if area is None or area.level != "kelurahan":
        raise FormInvalid({"kelurahan_code": "Pilih kelurahan dari daftar."})
    return area


def _contact(fields: Mapping[str, str], consent: bool, anonymous: bool) -> tuple[str, str, str]:
    name = " ".join(fields.get("citizen_name", "").split())[:120]
    phone_raw, email = fields.get("phone", "").strip(), fields.get("email", "").strip().lower()
    if anonymous and (name or phone_raw or email):
        raise FormInvalid(
            {"anonymous": "Laporan anonim tidak menyimpan nama atau kontak. Kosongkan isiannya."}
        )
    if (name or phone_raw or email) and not consent:
        raise FormInvalid(
            {
                "consent": "Nama dan kontak hanya disimpan dengan persetujuan warga. Centang "
                "persetujuan atau kosongkan isiannya."
            }
        )
    phone = contact.normalize_phone(phone_raw) if phone_raw else ""
    if phone is None:
        raise FormInvalid({"phone": "Nomor telepon tidak valid, contoh: 0812-3456-7890."})
    if email and not _EMAIL.match(email):
        raise FormInvalid({"email": "Alamat email tidak valid."})
    return name, phone, email


def _flag(fields: Mapping[str, str], name: str) -> bool:
    return fields.get(name, "").strip().lower() in {"1", "on", "true", "ya", "yes"}


def _description(raw: str) -> str:
    text = raw.strip()
    if len(text.split()) < MIN_DESCRIPTION_WORDS:
        raise FormInvalid({"description": "Uraikan masalahnya (paling sedikit tiga kata)."})
    if len(text) > MAX_DESCRIPTION:
        raise FormInvalid({"description": f"Uraian paling panjang {MAX_DESCRIPTION} karakter."})
    return text


def check_form(
    fields: Mapping[str, str],
    *,
    office: str,
    staff_id: str,
    photos: Sequence[Upload] = (),
    scans: Sequence[Upload] = (),
    limits: Limits = Limits(),  # noqa: B008 - frozen dataclass, safe as a default
) -> DeskEntry:
    """Validate a submitted desk form; FormInvalid lists what the desk must correct."""
    errors: dict[str, str] = {}
    consent, anonymous = _flag(fields, "consent"), _flag(fields, "anonymous")
    kind = fields.get("letter_kind", "aduan_lisan").strip() or "aduan_lisan"
    checks = {
        "token": lambda: _token(fields.get("token", "")),
        "letter_kind": lambda: kind if kind in LETTER_KINDS else _bad("letter_kind"),
        "description": lambda: _description(fields.get("description", "")),
        "kelurahan": lambda: _kelurahan(fields.get("kelurahan_code", "")),
        "rt_rw": lambda: _rt_rw(fields.get("rt_rw", "")),
        "contact": lambda: _contact(fields, consent, anonymous),
        "nik": lambda: check_nik(fields.get("nik", "")),
        "photos": lambda: check_uploads(photos, "photo", limits.max_photos, limits),
        "scans": lambda: check_uploads(scans, "scan", limits.max_scans, limits),
    }
    done: dict[str, object] = {}
    for key, run in checks.items():
        try:
            done[key] = run()
        except FormInvalid as exc:
            errors |= exc.errors
        except UploadRefused as exc:
            errors[exc.field] = exc.message
    if not errors and kind in NEEDS_SCAN and not done["scans"]:
        errors["scans"] = f"{LETTER_KINDS[kind]} perlu dilampirkan hasil pindaiannya."
    if errors:
        raise FormInvalid(errors)
    name, phone, email = done["contact"]  # type: ignore[misc]
    return DeskEntry(
        external_id=external_id(staff_id, str(done["token"])),
        office=office,
        staff_id=staff_id,
        letter_kind=kind,
        description=str(done["description"]),
        kelurahan=done["kelurahan"],  # type: ignore[arg-type]
        street=" ".join(fields.get("street", "").split())[:200],
        rt_rw=str(done["rt_rw"]),
        landmark=" ".join(fields.get("landmark", "").split())[:200],
        citizen_name=name,
        phone_e164=phone,
        email=email,
        consent=consent and not anonymous,
        confidential=_flag(fields, "confidential") or anonymous,
        anonymous=anonymous,
        nik_masked=str(done["nik"]),
        photos=done["photos"],  # type: ignore[arg-type]
        scans=done["scans"],  # type: ignore[arg-type]
    )


def _bad(field_name: str) -> str:
    raise FormInvalid({field_name: "Pilih salah satu dari daftar."})


def address_line(entry: DeskEntry) -> str:
    """The address as people write it, with Kel./Kec. markers the address parser trusts."""
    kel = entry.kelurahan
    kec, kota = gz.AREAS[kel.kecamatan_code], gz.AREAS[kel.kota_code]
    parts = [
        entry.street,
        f"RT {entry.rt_rw.replace('/', ' RW ')}" if entry.rt_rw else "",
        f"dekat {entry.landmark}" if entry.landmark else "",
        f"Kel. {kel.name}",
        f"Kec. {kec.name}",
        kota.name,
    ]
    return ", ".join(p for p in parts if p)


def split_text(text: str) -> tuple[str, str]:
    """A stored walk-in text -> (the citizen's description, the desk's address line)."""
    description, _, address = text.partition(LOCATION_MARK)
    return description, address


def reply_route(entry: DeskEntry) -> tuple[str, dict[str, str]]:
    """Where later news goes: the phone by SMS, else the e-mail; nothing without consent."""
    if entry.anonymous or not entry.consent:
        return "", {}
    if entry.phone_e164:
        return entry.phone_e164, {"via": "sms", "to": entry.phone_e164}
    if entry.email:
        return entry.email, {"via": "email", "subject": "Laporan Anda (CRM Jakarta)"}
    return "", {}


def to_message(
    entry: DeskEntry, files: Sequence[StoredFile], received_at: datetime | None = None
) -> InboundMessage:
    """The inbound message of a desk entry: photos as local media, scans as documents."""
    handle, context = reply_route(entry)
    photos = [f for f in files if f.role == "photo"]
    gps = next((p for p in entry.photos if p.lat is not None and p.lon is not None), None)
    return InboundMessage(
        channel=CHANNEL,
        external_id=entry.external_id,
        received_at=received_at or datetime.now(UTC),
        sender=Sender(handle=handle, name="" if entry.anonymous else entry.citizen_name),
        text=f"{entry.description}{LOCATION_MARK}{address_line(entry)}",
        location=Location(lat=gps.lat, lon=gps.lon, source="exif") if gps else None,  # type: ignore[arg-type]
        media=[
            MediaRef(path=f.path, content_type=f.content_type, size=f.size, caption="foto")
            for f in photos
        ],
        # The desk's office rides in reply_context: web/review/auth.py scopes desk staff by it.
        reply_context=context | {"office": entry.office},
        confidential=entry.confidential,
        anonymous=entry.anonymous,
        raw={
            "desk": {
                "staff_id": entry.staff_id,
                "letter_kind": entry.letter_kind,
                "kelurahan_code": entry.kelurahan.code,
                "consent": entry.consent,
                "nik_masked": entry.nik_masked,
                "email": entry.email if handle and handle != entry.email else "",
            },
            "documents": [
                {"path": f.path, "content_type": f.content_type, "size": f.size, "sha256": f.sha256}
                for f in files
                if f.role == "scan"
            ],
        },
    )
