"""Citizen photos: accept JPEG/PNG/WebP/HEIC, refuse the rest with a reason, read EXIF GPS and time,
strip EXIF, make thumbnails and a perceptual hash (pHash) for finding the same photo twice."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

try:  # HEIC from iPhones; pillow-heif registers itself as a Pillow plugin.
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIC_SUPPORTED = True
except ImportError:  # pragma: no cover - the dependency is pinned, this is for slim installs
    HEIC_SUPPORTED = False

MAX_BYTES = 10_000_000
MAX_PIXELS = 40_000_000  # ~ a 48 MP phone photo fits; a 1 kB PNG claiming 100k x 100k does not
_HEIC_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1")
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x9003, 0x9011


@dataclass
class PhotoInfo:
    """What we learned from one photo; `reason` is set (and ok False) when it is refused."""

    ok: bool
    reason: str = ""
    mime: str = ""
    size: int = 0
    width: int = 0
    height: int = 0
    lat: float | None = None
    lon: float | None = None
    taken_at: str = ""  # ISO 8601 as the camera wrote it; offset only when the camera gave one
    phash: str = ""


def sniff_type(data: bytes) -> str:
    """MIME type from magic bytes (never from the file name or the sender's claim)."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS:
        return "image/heic"
    return ""


def _dms(values: object, ref: object) -> float | None:
    try:
        d, m, s = (float(v) for v in values)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    deg = d + m / 60 + s / 3600
    return round(-deg if str(ref).upper() in {"S", "W"} else deg, 6)


def _exif_facts(img: Image.Image) -> tuple[float | None, float | None, str]:
    exif = img.getexif()
    gps = exif.get_ifd(GPS_IFD)
    lat = _dms(gps.get(2), gps.get(1)) if gps else None
    lon = _dms(gps.get(4), gps.get(3)) if gps else None
    if lat is not None and lon is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        lat = lon = None
    if lat == 0 and lon == 0:  # cameras without a fix write zeros
        lat = lon = None
    detail = exif.get_ifd(EXIF_IFD)
    stamp = str(detail.get(DATETIME_ORIGINAL) or exif.get(0x0132) or "")
    taken = ""
    if len(stamp) >= 19 and stamp[4] == ":" and stamp[7] == ":":
        taken = f"{stamp[:4]}-{stamp[5:7]}-{stamp[8:10]}T{stamp[11:19]}" + str(
            detail.get(OFFSET_TIME_ORIGINAL) or ""
        )
    return lat, lon, taken


def _open(data: bytes, max_pixels: int) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    if img.width * img.height > max_pixels:
        raise Image.DecompressionBombError(f"{img.width}x{img.height} pixels")
    return img


def inspect_photo(
    data: bytes, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> PhotoInfo:
    """Check type, size and pixel count, read EXIF GPS/time and the perceptual hash."""
    info = PhotoInfo(ok=False, size=len(data), mime=sniff_type(data))
    if len(data) > max_bytes:
        info.reason = f"too_large: {len(data)} bytes > {max_bytes}"
    elif not info.mime:
        info.reason = "unsupported_type: only JPEG, PNG, WebP and HEIC photos are accepted"
    elif info.mime == "image/heic" and not HEIC_SUPPORTED:
        info.reason = "unsupported_type: HEIC support is not installed"
    if info.reason:
        return info
    try:
        img = _open(data, max_pixels)
        info.width, info.height = img.size
        info.lat, info.lon, info.taken_at = _exif_facts(img)
        img.load()
        info.phash = phash(img)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        info.reason = f"decompression_bomb: {exc}"
        return info
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        info.reason = f"corrupt: {type(exc).__name__}"
        return info
    info.ok = True
    return info


def _save(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, format=fmt, **params)
    return out.getvalue()


def strip_exif(data: bytes, max_pixels: int = MAX_PIXELS) -> bytes:
    """Re-encode without EXIF/XMP/text metadata, turned upright first (orientation is EXIF)."""
    mime = sniff_type(data)
    img = ImageOps.exif_transpose(_open(data, max_pixels))
    if mime == "image/png":
        return _save(img, "PNG", optimize=True)
    if mime == "image/webp":
        return _save(img, "WEBP", quality=90)
    return _save(img.convert("RGB"), "JPEG", quality=90, optimize=True)  # HEIC becomes JPEG


def thumbnail(data: bytes, size: int = 320, max_pixels: int = MAX_PIXELS) -> bytes:
    """A JPEG no larger than size x size, upright, without metadata."""
    img = ImageOps.exif_transpose(_open(data, max_pixels))
    img.thumbnail((size, size))
    return _save(img.convert("RGB"), "JPEG", quality=80)


_N, _K = 32, 8
_COS = [[math.cos(math.pi * (2 * x + 1) * u / (2 * _N)) for x in range(_N)] for u in range(_K)]


def phash(img: Image.Image) -> str:
    """64-bit DCT perceptual hash as 16 hex digits (same construction as imagehash.phash)."""
    small = ImageOps.exif_transpose(img).convert("L").resize((_N, _N), Image.Resampling.LANCZOS)
    px = list(small.tobytes())
    rows = [px[r * _N : (r + 1) * _N] for r in range(_N)]
    row_dct = [
        [sum(c * v for c, v in zip(_COS[u], row, strict=True)) for u in range(_K)] for row in rows
    ]
    low = [sum(_COS[v][y] * row_dct[y][u] for y in range(_N)) for v in range(_K) for u in range(_K)]
    median = sorted(low)[len(low) // 2 - 1 : len(low) // 2 + 1]
    threshold = sum(median) / 2
    bits = "".join("1" if c > threshold else "0" for c in low)
    return f"{int(bits, 2):016x}"


def hamming(a: str, b: str) -> int:
    """Bits that differ between two pHash hex strings; <= 10 usually means the same photo."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")
