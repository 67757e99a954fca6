"""Desk uploads (pure): photos and letter scans typed by their bytes, within size limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from normalizers.photos import inspect_photo, sniff_type

PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"})
PDF_TYPE = "application/pdf"


class UploadRefused(ValueError):
    """One upload cannot be kept; `field` is the form field, `message` says why (Bahasa)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Limits:
    """Upload limits of the desk (settings.walkin)."""

    max_photos: int = 5
    max_photo_bytes: int = 10_000_000
    max_scans: int = 3
    max_scan_bytes: int = 20_000_000


@dataclass(frozen=True)
class Upload:
    """One uploaded file as the browser sent it (the name is only used in messages)."""

    filename: str
    data: bytes


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose type was sniffed from its bytes; photos carry their EXIF GPS."""

    role: str  # photo | scan
    content_type: str
    data: bytes
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class StoredFile:
    """An upload saved under var/ (EXIF stripped), referenced by its local path."""

    role: str
    path: str
    content_type: str
    size: int
    sha256: str


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",") + " MB"


def _sniff(data: bytes) -> str:
    # ISO 32000-1 section 7.5.2: a PDF starts with "%PDF-" and (7.5.5) ends with "%%EOF",
    # possibly followed by a line end or padding a scanner adds.
    if data[:5] == b"%PDF-":
        return PDF_TYPE if b"%%EOF" in data[-1024:] else ""
    return sniff_type(data)


def check_upload(upload: Upload, role: str, limits: Limits) -> CheckedUpload:
    """Type from the bytes (never the name), size within the role's limit, photos decodable."""
    field_name = "photos" if role == "photo" else "scans"
    limit = limits.max_photo_bytes if role == "photo" else limits.max_scan_bytes
    name = upload.filename[-80:] or "berkas"
    if len(upload.data) > limit:
        raise UploadRefused(
            field_name,
            f"Berkas {name} terlalu besar ({_mb(len(upload.data))}; paling besar {_mb(limit)}).",
        )
    mime = _sniff(upload.data)
    allowed = PHOTO_TYPES if role == "photo" else PHOTO_TYPES | {PDF_TYPE}
    if mime not in allowed:
        kinds = "JPEG, PNG, WebP atau HEIC" + (" atau PDF" if role == "scan" else "")
        raise UploadRefused(field_name, f"Berkas {name} bukan {kinds}.")
    if mime == PDF_TYPE:
        return CheckedUpload(role=role, content_type=mime, data=upload.data)
    info = inspect_photo(upload.data, max_bytes=limit)
    if not info.ok:
        raise UploadRefused(field_name, f"Berkas {name} tidak dapat dibaca sebagai gambar.")
    gps = (info.lat, info.lon) if role == "photo" else (None, None)
    return CheckedUpload(role=role, content_type=mime, data=upload.data, lat=gps[0], lon=gps[1])


def check_uploads(
    uploads: Sequence[Upload], role: str, most: int, limits: Limits
) -> list[CheckedUpload]:
    """Every non-empty upload of one role checked; at most `most` of them."""
    present = [u for u in uploads if u.data]
    if len(present) > most:
        label = "foto" if role == "photo" else "berkas surat"
        raise UploadRefused(f"{role}s", f"Paling banyak {most} {label}.")
    return [check_upload(u, role, limits) for u in present]
