"""Real files a desk scans or photographs: a JPEG with the phone's EXIF GPS, a PDF letter."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image, ImageDraw

#: Near Jl. Kemang Raya, Kelurahan Bangka, Mampang Prapatan (Jakarta Selatan), as a phone writes it in EXIF.
GPS = {1: "S", 2: (6.0, 15.0, 48.0), 3: "E", 4: (106.0, 49.0, 6.0)}


def scene() -> Image.Image:
    """A street-like picture (not a flat colour, so decoding and hashing are exercised)."""
    img = Image.new("RGB", (640, 480), (120, 130, 140))
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, 300, 640, 480], fill=(60, 60, 60))
    draw.ellipse([250, 360, 390, 420], fill=(20, 20, 30))
    draw.text((20, 20), "Jl. Kemang Raya", fill=(255, 255, 255))
    return img


def jpeg_with_gps() -> bytes:
    """A JPEG carrying camera model and GPS in EXIF."""
    exif = Image.Exif()
    exif[0x0110] = "Desk phone"
    exif[0x8825] = GPS
    out = io.BytesIO()
    scene().save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def scanned_letter_pdf() -> bytes:
    """A one-page scanned letter as a PDF (Pillow writes a real PDF 1.4 file)."""
    page = Image.new("RGB", (827, 1169), "white")
    ImageDraw.Draw(page).text((80, 80), "Kepada Yth. Gubernur Provinsi DKI Jakarta", fill="black")
    out = io.BytesIO()
    page.save(out, "PDF", resolution=100.0)
    return out.getvalue()


@pytest.fixture
def photo_with_gps() -> bytes:
    """A JPEG carrying camera model and GPS in EXIF."""
    return jpeg_with_gps()


@pytest.fixture
def letter_pdf() -> bytes:
    """A one-page scanned letter as a PDF."""
    return scanned_letter_pdf()


def desk_fields() -> dict[str, str]:
    """A desk form as the browser posts it: oral complaint, Kelurahan Bangka."""
    return {
        "token": str(uuid.uuid4()),
        "letter_kind": "aduan_lisan",
        "description": "Trotoar di depan pasar ambles sedalam 30 cm, pejalan kaki terpaksa "
        "turun ke jalan.",
        "street": "Jl. Kemang Raya No. 8",
        "rt_rw": "4/2",
        "landmark": "Pasar Kemang",
        "kelurahan_code": "31.74.03.1002",
    }


@pytest.fixture
def form() -> dict[str, str]:
    """A desk form as the browser posts it, with a fresh token."""
    return desk_fields()
