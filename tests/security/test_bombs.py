"""Decompression bombs and malformed images sent as citizen photos, end to end via Telegram.

A 100 kB PNG can declare 60,000 x 60,000 pixels (10.8 GB decoded); a JPEG header can claim
65,500 x 65,500. The photo check (normalizers/photos.py) must refuse them from the header,
before decoding, and the complaint itself must still become a report.
"""

from __future__ import annotations

import copy
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image

from normalizers.photos import inspect_photo
from pipeline.models import Attachment, Report
from tests.fuzz.mutate import fixture
from tests.reliability.chat_web import served_chat_web
from tests.reliability.settle import rows, settle


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(side: int = 60_000) -> bytes:
    """A valid PNG header for side x side greyscale pixels, with the first rows of zeros."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    rows_ = zlib.compress(b"\x00" * (side + 1) * 64, 9)  # 64 rows, filter byte + pixels
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", rows_)


def jpeg_bomb() -> bytes:
    """A real JPEG whose SOF0 frame header is rewritten to claim 65,500 x 65,500 pixels."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 40, 40)).save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", 65_500, 65_500)
    return bytes(data)


def truncated_jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 10, 200)).save(buf, "JPEG")
    return buf.getvalue()[:300]


HOSTILE = {
    "png_bomb": (png_bomb(), "decompression_bomb"),
    "jpeg_bomb": (jpeg_bomb(), "decompression_bomb"),
    "truncated": (truncated_jpeg(), "corrupt"),
    "html_as_jpg": (b"<html><script>alert(1)</script></html>", "unsupported_type"),
    "zip_as_jpg": (b"PK\x03\x04" + b"\x00" * 200, "unsupported_type"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_photo_check_refuses_from_the_header(name: str) -> None:
    data, reason = HOSTILE[name]
    assert len(data) < 200_000
    info = inspect_photo(data)
    assert not info.ok and info.reason.startswith(reason), info.reason


def test_hostile_photos_through_telegram_keep_the_report_and_refuse_the_photo(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with served_chat_web(monkeypatch, tmp_path) as web:
        for n, (name, (data, _)) in enumerate(sorted(HOSTILE.items())):
            update = copy.deepcopy(fixture("telegram/photo_caption.json"))
            update["update_id"] += 1000 + n
            update["message"]["message_id"] += 1000 + n
            for size in update["message"]["photo"]:
                size["file_id"] = f"{size['file_id'][:40]}{name}"
                web.telegram.files[size["file_id"]] = (data, f"photos/{name}.jpg")
            assert web.post_telegram(update) == 200
        settle(web.env)
        attachments = rows(web.env, Attachment)
        reports = rows(web.env, Report)
    assert len(reports) == len(HOSTILE)
    assert attachments and all(a.rejected_reason and not a.sha256 for a in attachments)
    reasons = {a.rejected_reason.split(":")[0] for a in attachments}
    assert {"decompression_bomb", "corrupt", "unsupported_type"} <= reasons, reasons
