"""Photo checks on images built here: accepted types, refusals with reasons, EXIF, pHash."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image, ImageDraw

from normalizers.photos import hamming, inspect_photo, strip_exif, thumbnail


def _scene(size: tuple[int, int] = (640, 480)) -> Image.Image:
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    w, h = size
    for y in range(h):
        draw.line([(0, y), (w, y)], fill=(90 + y * 120 // h, 110, 160 - y * 100 // h))
    draw.ellipse([w * 0.2, h * 0.3, w * 0.55, h * 0.8], fill=(40, 40, 40))
    draw.rectangle([w * 0.6, h * 0.1, w * 0.9, h * 0.5], fill=(230, 220, 60))
    return img


def _jpeg_with_gps(img: Image.Image) -> bytes:
    exif = Image.Exif()
    exif[0x0110] = "Test phone"
    exif[0x8769] = {0x9003: "2024:03:05 10:11:12", 0x9011: "+07:00"}
    exif[0x8825] = {1: "S", 2: (6.0, 10.0, 30.0), 3: "E", 4: (106.0, 49.0, 12.0)}
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=92)
    return out.getvalue()


def _encode(img: Image.Image, fmt: str, **kw: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **kw)
    return out.getvalue()


def test_jpeg_gps_and_time_are_read_then_stripped() -> None:
    data = _jpeg_with_gps(_scene())
    info = inspect_photo(data)
    assert info.ok and info.mime == "image/jpeg" and (info.width, info.height) == (640, 480)
    assert info.lat == pytest.approx(-6.175, abs=1e-4)
    assert info.lon == pytest.approx(106.82, abs=1e-4)
    assert info.taken_at == "2024-03-05T10:11:12+07:00"
    clean = strip_exif(data)
    assert not Image.open(io.BytesIO(clean)).getexif()
    again = inspect_photo(clean)
    assert again.ok and again.lat is None and again.taken_at == ""


@pytest.mark.parametrize(
    ("fmt", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp"), ("HEIF", "image/heic")]
)
def test_other_accepted_types(fmt: str, mime: str) -> None:
    info = inspect_photo(_encode(_scene(), fmt))
    assert info.ok, info.reason
    assert info.mime == mime


def test_heic_is_converted_to_jpeg_without_metadata() -> None:
    out = strip_exif(_encode(_scene(), "HEIF"))
    assert out[:3] == b"\xff\xd8\xff"


def test_refusals_name_the_reason() -> None:
    assert inspect_photo(_encode(_scene(), "GIF")).reason.startswith("unsupported_type")
    assert inspect_photo(b"%PDF-1.7 not a photo").reason.startswith("unsupported_type")
    assert inspect_photo(_jpeg_with_gps(_scene()), max_bytes=1000).reason.startswith("too_large")
    broken = _jpeg_with_gps(_scene())[:200]
    assert inspect_photo(broken).reason.startswith("corrupt")


def test_decompression_bomb_is_refused_before_decoding() -> None:
    # A valid PNG header claiming 60000 x 60000 pixels, a few hundred bytes on the wire.
    width = height = 60000
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    chunk = b"IHDR" + header
    ihdr = len(header).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")
    data = b"\x89PNG\r\n\x1a\n" + ihdr + b"\x00\x00\x00\x00IEND\xaeB`\x82"
    info = inspect_photo(data)
    assert not info.ok and info.reason.startswith("decompression_bomb")


def test_phash_finds_the_same_photo_resized_and_recompressed() -> None:
    original = inspect_photo(_jpeg_with_gps(_scene()))
    smaller = inspect_photo(_encode(_scene().resize((320, 240)), "JPEG", quality=50))
    different = Image.new("RGB", (640, 480), (200, 200, 190))
    ImageDraw.Draw(different).rectangle([20, 300, 400, 460], fill=(20, 60, 20))
    other = inspect_photo(_encode(different, "JPEG"))
    assert hamming(original.phash, smaller.phash) <= 8
    assert hamming(original.phash, other.phash) > 16


def test_thumbnail_fits_and_is_upright_jpeg() -> None:
    thumb = Image.open(io.BytesIO(thumbnail(_jpeg_with_gps(_scene()), 200)))
    assert thumb.format == "JPEG" and max(thumb.size) == 200
