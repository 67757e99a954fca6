"""Misspelt kelurahan/kecamatan names resolve, with less confidence; everyday words stay words."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from normalizers.address import parse_address
from normalizers.address_detail import ascii_fold, tokenize
from normalizers.address_fuzzy import free_typos

DEV_SET = Path(__file__).resolve().parents[1] / "data" / "dev_set.jsonl"
CONFIDENT = 0.8  # pipeline/completeness.py: at or above it no person checks the place


@pytest.mark.parametrize(
    ("text", "kelurahan"),
    [
        ("Saluran di gang Bambu Wulung, Lubang Buaja mampet sejak minggu lalu", "Lubang Buaya"),
        ("banjir lagi di gang mawar duri kosambhi, air masuk rumah", "Duri Kosambi"),
        ("tumpukan sampah dekat pasar pengilingan belum diangkut", "Penggilingan"),
        ("Pohon tua di Meruya Seltan dekat SD condong ke jalan", "Meruya Selatan"),
        ("aspal bolong di Rawamangung dekat halte busway", "Rawamangun"),
        ("got depan musala Kemangisan Palmerah tersumbat", "Kemanggisan"),
        ("lampu jalan mati di Meruya Utra sejak kemarin", "Meruya Utara"),
    ],
)
def test_misspelt_kelurahan_resolves_but_asks_a_person(text: str, kelurahan: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_name == kelurahan
    assert 0.5 <= match.confidence < CONFIDENT


def test_misspelt_kecamatan_gives_the_kecamatan() -> None:
    match = parse_address("genangan di jalan boulevard Kelapa Gadng setinggi betis")
    assert match.kecamatan_name == "Kelapa Gading"
    assert match.kelurahan_code == ""


def test_a_typo_counts_less_than_the_right_spelling() -> None:
    right = parse_address("jalan berlubang di Duri Kosambi, Cengkareng")
    typo = parse_address("jalan berlubang di Duri Kosambhi, Cengkareng")
    assert right.kelurahan_code == typo.kelurahan_code
    assert right.confidence >= CONFIDENT > typo.confidence


def test_a_misspelt_street_area_with_its_kecamatan_names_the_kelurahan() -> None:
    match = parse_address("PJU di Jl Meruya Seltan padam, Kembangan Jakbar")
    assert match.kelurahan_name == "Meruya Selatan"
    assert match.confidence < CONFIDENT


def test_kel_marker_typo_still_routes() -> None:
    match = parse_address("sampah menumpuk di Kel. Penggilngan, Kec. Cakung")
    assert match.kelurahan_name == "Penggilingan"
    assert match.confidence >= CONFIDENT


@pytest.mark.parametrize(
    "text",
    [
        "tumpukan sampah di pinggir kali bau sekali",
        "jalan berlubang di sepanjang perumahan, kemarin ada pengendara jatuh",
        "kebersihan lingkungan permukiman kurang, penerangan juga kurang",
        "mohon pengerukan selokan, kebanjiran setiap hujan",
    ],
)
def test_everyday_words_do_not_become_areas(text: str) -> None:
    assert parse_address(text).kelurahan_code == ""


def test_correctly_spelt_dev_set_gets_no_typo_readings() -> None:
    """The 204 real texts of the dev set spell their areas right: no typo reading may appear."""
    readings = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        words, _raw, breaks, _joined = tokenize(ascii_fold(json.loads(line)["text"]))
        readings += [" ".join(words[t.start : t.end]) for t in free_typos(words, breaks, set())]
    # free_typos skips exact names itself (NAME_INDEX), so nothing is expected at all.
    assert readings == []
