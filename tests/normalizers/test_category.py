"""Category and OPD come from one data table."""

from __future__ import annotations

import pytest

from normalizers.category import CATEGORIES, OPD, classify

SLUGS = [
    "jalan_rusak",
    "sampah",
    "banjir",
    "saluran_air",
    "parkir_liar",
    "pju",
    "pohon",
    "trotoar",
    "pkl",
    "kebisingan",
    "fasilitas_umum",
    "pelayanan_publik",
    "lainnya",
]


def test_table_has_exactly_the_agreed_slugs_each_with_an_opd() -> None:
    assert list(CATEGORIES) == SLUGS
    assert all(OPD[slug] for slug in SLUGS)
    assert OPD["jalan_rusak"] == "Dinas Bina Marga"
    assert OPD["sampah"] == "Dinas Lingkungan Hidup"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("jalan berlubang besar di depan sekolah, sudah banyak motor jatuh", "jalan_rusak"),
        ("sampah menumpuk sudah seminggu tidak diangkut, bau busuk", "sampah"),
        ("lampu PJU mati sudah 2 minggu, jalan gelap gulita", "pju"),
        ("banjir setinggi lutut di permukiman warga", "banjir"),
        ("got mampet penuh lumpur, air meluber ke jalan", "saluran_air"),
        ("parkir liar di bahu jalan bikin macet", "parkir_liar"),
        ("pohon besar rawan tumbang mohon dipangkas", "pohon"),
        ("trotoar rusak, ubin lepas membahayakan pejalan kaki", "trotoar"),
        ("pedagang kaki lima berjualan di atas trotoar", "pkl"),
        ("suara knalpot brong tiap malam sangat bising", "kebisingan"),
        ("ayunan di RPTRA patah", "fasilitas_umum"),
        ("ada pungli saat mengurus KTP di kantor kelurahan", "pelayanan_publik"),
        ("mohon info jadwal vaksin", "lainnya"),
    ],
)
def test_classify(text: str, slug: str) -> None:
    category, confidence, opd = classify(text)
    assert category == slug
    assert 0.0 < confidence <= 1.0
    assert opd == OPD[slug]


def test_words_apart_still_count_as_a_pair() -> None:
    assert (
        classify("Sebelum bulan puasa, jalannya sudah rusak, dilalui truk terus")[0]
        == "jalan_rusak"
    )


def test_nya_suffix_is_understood() -> None:
    assert classify("lubangnya makin besar dan dalam")[0] == "jalan_rusak"
