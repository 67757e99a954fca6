"""Everyday spellings, landmarks and streets named after their area resolve to the right kelurahan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from normalizers.address import parse_address
from normalizers.category import classify

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "dev_set.jsonl"
CONFIDENT = 0.8  # pipeline/completeness.py: at or above it no person checks the place


@pytest.mark.parametrize(
    ("text", "kelurahan"),
    [
        ("got mampet di Lobang Buaya, air sampai ke teras", "Lubang Buaya"),
        ("sampah numpuk di Kebun Kacang dekat masjid", "Kebon Kacang"),
        ("trotoar di Kebun Sirih rusak", "Kebon Sirih"),
    ],
)
def test_everyday_spellings_are_exact_names(text: str, kelurahan: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_name == kelurahan
    assert match.confidence >= CONFIDENT


def test_a_kelurahan_called_like_a_pothole_does_not_make_a_road_complaint() -> None:
    assert classify("got mampet di Lobang Buaya, air sampai ke teras")[0] == "saluran_air"


def test_pasar_induk_kramat_jati_lies_in_kelurahan_tengah() -> None:
    match = parse_address("lapak buah di depan pasar induk kramatjati makan trotoar")
    assert (match.kelurahan_name, match.kecamatan_name) == ("Tengah", "Kramatjati")
    assert match.confidence >= CONFIDENT


@pytest.mark.parametrize("spelling", ["Pulau Sebira", "Pulau Sabira", "pulau sibira"])
def test_pulau_sebira_is_rw_03_of_pulau_harapan(spelling: str) -> None:
    match = parse_address(f"Di {spelling} air bersih sering habis")
    assert match.kelurahan_name == "Pulau Harapan"
    assert match.kota_code == "31.01"


def test_dev_set_labels_pulau_sebira_texts_at_pulau_harapan() -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines()]
    sebira = [r for r in rows if "pulau s" in r["text"].lower() and "bira" in r["text"].lower()]
    assert len(sebira) == 3
    assert {r["kelurahan_code"] for r in sebira} == {"31.01.01.1003"}


def test_a_kelurahan_after_a_street_named_for_another_area_wins() -> None:
    match = parse_address("dahan pohon di Jl Kalibaru Timur Utan Panjang sudah mepet kabel")
    assert match.kelurahan_name == "Utan Panjang"
    assert match.kecamatan_name == "Kemayoran"


def test_a_street_named_by_its_area_gives_that_area_with_a_question() -> None:
    """'Jl. Benhil Raya' is Bendungan Hilir's main road: likely right, still checked."""
    benhil = parse_address("got di jl benhil raya mampet tiap hujan")
    street_elsewhere = parse_address("got di Jl Kalibaru Timur mampet tiap hujan")
    assert benhil.kelurahan_name == "Bendungan Hilir"
    assert 0.6 <= benhil.confidence < CONFIDENT
    assert street_elsewhere.confidence < benhil.confidence
