"""English and code-mixed complaints (expats, younger citizens on social media) get a category."""

from __future__ import annotations

import pytest

from normalizers.category import classify


@pytest.mark.parametrize(
    ("text", "slug", "opd"),
    [
        (
            "Big pothole on Jl Panjang near the bus stop, motorbikes keep swerving",
            "jalan_rusak",
            "Dinas Bina Marga",
        ),
        ("streetlight off di gang kami udah seminggu", "pju", "Dinas Bina Marga"),
        ("street lights not working along Jl Pemuda, very dark", "pju", "Dinas Bina Marga"),
        ("trash not collected for five days near the market", "sampah", "Dinas Lingkungan Hidup"),
        (
            "garbage numpuk di pinggir jalan, please send the truck",
            "sampah",
            "Dinas Lingkungan Hidup",
        ),
        (
            "our street is flooded again after heavy rain, knee deep",
            "banjir",
            "Dinas Sumber Daya Air",
        ),
        ("flooding di depan sekolah tiap hujan", "banjir", "Dinas Sumber Daya Air"),
        (
            "drainage clogged with plastic bags, water cannot flow",
            "saluran_air",
            "Dinas Sumber Daya Air",
        ),
        ("sidewalk broken near the station, tiles missing", "trotoar", "Dinas Bina Marga"),
        ("illegal parking in front of the mall every evening", "parkir_liar", "Dinas Perhubungan"),
        ("fallen tree blocking the road di Jl Wijaya", "pohon", "Dinas Pertamanan dan Hutan Kota"),
        ("noisy construction at night, nobody can sleep", "kebisingan", "Dinas Lingkungan Hidup"),
        ("street vendors take over the sidewalk every night", "pkl", "Satuan Polisi Pamong Praja"),
    ],
)
def test_english_and_mixed_texts_are_classified(text: str, slug: str, opd: str) -> None:
    got, confidence, got_opd = classify(text)
    assert (got, got_opd) == (slug, opd)
    assert confidence > 0.3  # above the 'lainnya' fallback


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("jalan depan rumah kegenang lagi abis ujan, 20 senti", "banjir"),
        ("gang kami kerendem lagi dari subuh", "banjir"),
        ("angkot ngetem sembarangan depan pasar bikin macet", "parkir_liar"),
        (
            "proyek gedung pakai alat berat sampai tengah malam, suara alat berat bikin ga bisa tidur",
            "kebisingan",
        ),
    ],
)
def test_chat_spellings_are_classified(text: str, slug: str) -> None:
    assert classify(text)[0] == slug
