"""Street names, RT/RW and landmarks as citizens write them (titles, initials, area names after)."""

from __future__ import annotations

import pytest

from normalizers.address import parse_address


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Jl. H. Dogol depan masjid banyak lubang, motor sering jatuh", "Jl. H. Dogol"),
        ("jalan bolong2 di Jl. KH. Mas Mansyur dkt stasiun, tolong min", "Jl. KH. Mas Mansyur"),
        ("Lampu PJU mati di Jl. Dr. Saharjo. Gelap bgt kalau malam", "Jl. Dr. Saharjo"),
        ("Trotoar Jl. Ir. H. Juanda rusak, pejalan kaki susah lewat", "Jl. Ir. H. Juanda"),
        ("sampah numpuk di Jl. Hj. Tutty Alawiyah RT 03 RW 05", "Jl. Hj. Tutty Alawiyah"),
        ("genangan di Jl. Letjen S. Parman arah Slipi", "Jl. Letjen S Parman"),
        ("Jl H Dogol rusak parah", "Jl. H. Dogol"),  # title written without its dot
    ],
)
def test_titles_and_initials_do_not_end_a_street_name(text: str, street: str) -> None:
    assert parse_address(text).street == street


def test_a_full_stop_after_a_street_still_ends_it() -> None:
    match = parse_address("Got mampet di Jl. Kenari. Sudah seminggu bau")
    assert match.street == "Jl. Kenari"


def test_kelurahan_written_after_the_street_is_not_part_of_it() -> None:
    match = parse_address(
        "Pohon angsana di Jl Rawa Malang Semper Timur udah tinggi bgt, takut tumbang"
    )
    assert match.street == "Jl. Rawa Malang"
    assert match.kelurahan_name == "Semper Timur"
    assert match.kecamatan_name == "Cilincing"
    assert match.confidence >= 0.8


def test_lower_case_chatter_after_a_capitalised_street_is_cut() -> None:
    match = parse_address("Lampu di Jl Pahlawan Revolusi Raya udah mati seminggu")
    assert match.street == "Jl. Pahlawan Revolusi Raya"


@pytest.mark.parametrize(
    ("text", "street", "kelurahan"),
    [
        ("lampu PJU di Jl. Pemuda Rawamangun depan sekolah mati", "Jl. Pemuda", "Rawamangun"),
        (
            "macet parah di Jl. Otista Bidara Cina tiap sore",
            "Jl. Otto Iskandardinata",
            "Bidara Cina",
        ),
    ],
)
def test_kelurahan_right_after_a_one_word_street(text: str, street: str, kelurahan: str) -> None:
    match = parse_address(text)
    assert (match.street, match.kelurahan_name) == (street, kelurahan)
    assert match.confidence >= 0.8


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("banjir di Jl. Raya Condet", "Jl. Raya Condet"),
        ("Jl. Danau Sunter Utara tergenang", "Jl. Danau Sunter Utara"),
        ("got mampet di Jl. Warung Jati Barat", "Jl. Warung Jati Barat"),
    ],
)
def test_streets_named_after_an_area_keep_their_name(text: str, street: str) -> None:
    assert parse_address(text).street == street


def test_lower_case_street_tail_is_kept() -> None:
    assert parse_address("genangan di Jl. Kebon Jeruk raya").street == "Jl. Kebon Jeruk Raya"


def test_street_named_after_two_areas_stays_whole() -> None:
    match = parse_address("Jalan berlubang di Jl. Raya Cakung Cilincing km 3, truk kontainer")
    assert match.street == "Jl. Raya Cakung Cilincing"
