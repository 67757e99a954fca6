"""Cleaning citizen text, language, emergencies."""

from __future__ import annotations

import pytest

from normalizers.text import clean, detect_emergency, detect_language


def test_tweet_noise_is_removed_and_words_kept() -> None:
    raw = (
        "Selamat pagi min @DKIJakarta @BinaMargaDKI, jalan di depan rumah saya di Jl. Kenari "
        "rusak parah!!! 😡😡 https://t.co/AbC123 #jakarta #jalanrusak"
    )
    assert clean(raw) == "jalan di depan rumah saya di Jl. Kenari rusak parah!"


def test_inline_hashtag_keeps_its_word() -> None:
    assert clean("Pagi ini #banjir lagi di Kampung Pulo") == "Pagi ini banjir lagi di Kampung Pulo"


def test_email_greeting_signature_and_quoted_history_go() -> None:
    raw = (
        "Assalamualaikum wr wb.\nYth. Bapak Lurah Cideng,\n\nSampah di RT 03 RW 05 tidak diangkut "
        "sudah seminggu.\n\nTerima kasih\nBudi\n\nOn Mon, 3 Jan 2022 at 10:00 Budi wrote:\n> lama"
    )
    assert clean(raw) == "Sampah di RT 03 RW 05 tidak diangkut sudah seminggu"


def test_language() -> None:
    assert detect_language("sampah di depan rumah tidak diangkut") == "id"
    assert detect_language("There is a fallen tree blocking the road near my house") == "en"
    assert detect_language("😡😡") == "und"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Ada kebakaran di gang sebelah, api membesar!", "kebakaran"),
        ("tabrakan motor di perempatan, korban tergeletak", "kecelakaan"),
        ("anak hanyut di kali Ciliwung", "tenggelam"),
        ("pohon tumbang menimpa mobil di Jl. Sudirman", "pohon_menimpa"),
        ("Bekas kebakaran belum dibersihkan", ""),
        ("jalan berlubang rawan kecelakaan", ""),
        ("sampah menumpuk", ""),
    ],
)
def test_emergencies(text: str, kind: str) -> None:
    assert detect_emergency(text) == kind
