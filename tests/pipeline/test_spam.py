"""Spam and abusive words, as Indonesian citizens and spammers actually type them."""

from __future__ import annotations

import pytest

from pipeline.spam import is_spam, profanity, spam_points


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Jalan rusak parah, dasar pejabat goblok ga becus", ["goblok"]),
        ("anj1ng jalan ga dibenerin2 dari kemarin", ["anjing"]),  # digit for a letter
        ("b4ngs4t lu semua petugas", ["bangsat"]),
        ("@njing, lampu mati lagi", ["anjing"]),  # symbol for a letter
        ("a n j i n g", ["anjing"]),  # spaced out
        ("BAJINGANNN", ["bajingan"]),  # shouted, letters repeated
        ("Lu bego ya min", ["bego"]),  # an ambiguous word aimed at someone
        ("Kerja pemprov tolol", ["tolol"]),
    ],
)
def test_abuse_is_found_through_disguises(text: str, found: list[str]) -> None:
    assert profanity(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Ada anjing liar menggigit anak di Gg. Mawar RT 05",  # a real stray dog
        "Banyak tahi kucing di taman bermain RW 03",
        "Monyet lepas dari rumah warga, masuk ke sekolah",
        "Lampu mati!!! sdh 3 hari, gelap gulita",
        "Mohon maaf, saat hujan jalan tergenang",
        "Jalan berlubang di Jl. Babi... maksud saya Jl. Bambu Apus",
    ],
)
def test_plain_complaints_are_clean(text: str) -> None:
    assert profanity(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "SLOT GACOR hari ini gampang maxwin! Daftar sekarang, bonus new member 100%",
        "Pinjaman dana cepat tanpa jaminan, cair cepat, hubungi wa.me/6281200000000",
        "Jual followers murah dan terpercaya, cek bio",
        "Situs togel online terpercaya, deposit 10rb bonus 20%",
    ],
)
def test_promotions_are_spam(text: str) -> None:
    assert is_spam(text)


@pytest.mark.parametrize(
    "text",
    [
        "Warung di Gg. Melati RT 03 jadi tempat judi online dan togel tiap malam, mohon ditindak",
        "Pedagang promo di trotoar Jl. Salemba Raya pakai pengeras suara sampai malam",
        "Lampu jalan mati sudah seminggu di Jl. Tipar Selatan Raya",
    ],
)
def test_complaints_that_mention_money_or_gambling_are_not_spam(text: str) -> None:
    assert spam_points(text) < 3
    assert not is_spam(text)
