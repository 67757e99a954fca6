"""Free text to Kemendagri areas, with texts written the way citizens write them."""

from __future__ import annotations

import pytest

from normalizers.address import parse_address


@pytest.mark.parametrize(
    ("text", "kelurahan"),
    [
        ("Jalan berlubang di Jl. Kramat Raya, Kel. Kenari, Kec. Senen, Jakpus", "31.71.04.1002"),
        ("Banyak sampah menumpuk di Kelurahan Cideng kecamatan gambir", "31.71.01.1002"),
        ("Rt.005 Rw.012 kel. Pondok Kelapa, Duren Sawit", "31.75.07.1004"),
        ("got mampet di kel. cilandak timor, pasar minggu", "31.74.04.1003"),  # typo
        ("Banjir di kel tengah kec kramat jati", "31.75.04.1002"),
        ("trotoar rusak di kawasan Kemang, Jaksel", "31.74.03.1002"),  # alias -> Kel. Bangka
        ("sampah di pinggir kali Pejaten Timur, Pasar Minggu", "31.74.04.1005"),
    ],
)
def test_named_kelurahan_is_found_with_confidence(text: str, kelurahan: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_code == kelurahan
    assert match.confidence >= 0.8
    assert match.kecamatan_code == kelurahan.rsplit(".", 1)[0]
    assert match.has_address


def test_street_rt_rw_and_landmark_are_extracted() -> None:
    match = parse_address("Lampu PJU mati di Jl. Kenari II RT 05/RW 03 depan SDN Kenari 07, Senen")
    assert match.street == "Jl. Kenari II"
    assert match.rt_rw == "RT 005/RW 003"
    assert match.landmark.startswith("depan SDN Kenari 07")


def test_common_noun_jalan_is_not_a_street() -> None:
    assert parse_address("jalan rusak parah sudah lama").street == ""


def test_name_of_kelurahan_and_kecamatan_alike_is_not_confident() -> None:
    match = parse_address("Lampu jalan mati di daerah Menteng")
    assert match.kecamatan_code == "31.71.06"
    assert match.confidence < 0.8
    assert match.candidates


def test_directional_base_name_returns_candidates_not_a_guess() -> None:
    match = parse_address("Genangan air di Sunter depan mall")
    assert match.kecamatan_code == "31.72.02"
    assert match.kelurahan_code == ""
    codes = {c["kelurahan_code"] for c in match.candidates}
    assert {"31.72.02.1002", "31.72.02.1006"} <= codes


def test_conflicting_kecamatan_lowers_confidence() -> None:
    match = parse_address("Kel. Cideng, Kec. Tebet")
    assert match.confidence < 0.8


def test_street_named_after_another_area_is_weak() -> None:
    match = parse_address("Jalan berlubang di Jl. Pasar Minggu Raya")
    assert match.confidence < 0.8


def test_outside_jakarta_is_flagged() -> None:
    match = parse_address("Pohon tumbang di Jl. Margonda, Depok")
    assert match.outside_jakarta
    assert match.kelurahan_code == ""
    assert match.outside_region == "Kota Depok"


def test_jakarta_street_named_after_a_city_is_not_outside() -> None:
    match = parse_address("jalan berlubang di Jl. Raya Bogor km 20, Kel. Tengah, Kramat Jati")
    assert not match.outside_jakarta
    assert match.kelurahan_code == "31.75.04.1002"


def test_text_without_address_says_so() -> None:
    match = parse_address("tolong min, sudah 3 hari sampah tidak diangkut")
    assert not match.has_address
    assert match.kelurahan_code == match.kecamatan_code == match.kota_code == ""
    assert match.confidence == 0.0


def test_kota_only() -> None:
    match = parse_address("banjir dimana-mana di Jakarta Timur")
    assert match.kota_code == "31.75"
    assert match.kecamatan_code == ""


def test_direction_is_not_the_place() -> None:
    match = parse_address("Trotoar di Jalan TB Simatupang arah Kampung Rambutan hancur")
    assert match.confidence < 0.8


def test_route_between_two_areas_is_not_one_of_them() -> None:
    match = parse_address("Jalan akses Cilincing-Marunda berlubang dan licin")
    assert match.kelurahan_code == "" or match.confidence < 0.8


def test_an_officials_title_is_not_a_location() -> None:
    match = parse_address("sudah kami laporkan ke Camat Kalideres tapi belum ada tindak lanjut")
    assert match.kecamatan_code == ""
    assert not match.has_address


def test_longer_name_after_a_marker_is_not_the_jakarta_kelurahan() -> None:
    match = parse_address("Pembuatan KTP di Kelurahan Jati Mulya, Tambun Selatan, Kabupaten Bekasi")
    assert match.outside_jakarta
    assert match.kelurahan_code == ""


def test_neighbouring_kelurahan_after_a_marker_is_outside() -> None:
    match = parse_address(
        "Turap di Perumahan Villa Pertiwi, Kelurahan Sukamaju, Kecamatan Cilodong jebol"
    )
    assert match.outside_jakarta


def test_city_named_last_decides_over_a_shared_name() -> None:
    match = parse_address(
        "Banjir di Jalan Kampung Bulak Barat RT 04 RW 08 Kelurahan Cipayung, Depok"
    )
    assert match.outside_jakarta and match.outside_region == "Kota Depok"


def test_named_place_without_a_preposition_is_a_landmark() -> None:
    match = parse_address("Toilet di RPTRA Kalijodo kotor dan bau")
    assert match.landmark == "RPTRA Kalijodo"
    assert match.has_address


def test_kepulauan_seribu_kelurahan() -> None:
    match = parse_address("Gorong-gorong di RW 01 Kelurahan Pulau Kelapa tersumbat sampah")
    assert match.kelurahan_code == "31.01.01.1002"
    assert match.kota_name == "Kepulauan Seribu"


@pytest.mark.parametrize(
    "text",
    [
        "Kali Baru Timur, Kapuk",
        "got mampet di kali baru timur, kapuk, cengkareng. udah 2 minggu",
        "Banjir lagi di Jl. Kali Baru Timur RT 04, Kapuk, Jakbar",
    ],
)
def test_street_looking_like_a_kelurahan_loses_to_the_kelurahan_named_after_it(text: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_name == "Kapuk"
    assert match.kecamatan_name == "Cengkareng"  # not Kalibaru, Cilincing
    assert match.confidence >= 0.8


def test_area_name_grown_into_a_street_alone_is_only_a_guess() -> None:
    match = parse_address("got mampet di kalibaru timur")
    assert match.kelurahan_name == "Kalibaru"
    assert match.confidence < 0.8


@pytest.mark.parametrize(
    ("text", "kelurahan"),
    [
        ("Akar pohon di Jl Rawa Malang Semper Timur merusak trotoar", "31.72.04.1005"),
        ("Tiang PJU di Jl Tipar Selatan Raya Semper Barat miring mau roboh", "31.72.04.1007"),
        ("banjir sepinggang di semper timur rw 03, cilincing", "31.72.04.1005"),
    ],
)
def test_semper_resolves_to_cilincing(text: str, kelurahan: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_code == kelurahan
    assert match.kota_name == "Jakarta Utara"


@pytest.mark.parametrize("text", ["sampah numpuk di pinggir rawa", "di Tanjung banyak nyamuk"])
def test_a_plain_word_starting_many_names_is_no_kelurahan(text: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_code == ""  # not Rawa Barat or Tanjung Barat


@pytest.mark.parametrize(
    ("text", "kelurahan"),
    [
        ("Jl. Kramat Sentiong, Kramat: got mampet dari kemarin", "31.71.04.1004"),
        ("lampu PJU mati di Jl. Kramat Raya Kenari", "31.71.04.1002"),
        ("banjir di gg. H. Naim, Tengah", "31.75.04.1002"),
    ],
)
def test_everyday_word_name_standing_in_an_address_list_counts(text: str, kelurahan: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_code == kelurahan


def test_everyday_word_name_in_a_sentence_is_still_just_a_word() -> None:
    assert parse_address("rumah warga di kampung ini baru dibangun").kelurahan_code == ""


@pytest.mark.parametrize(
    ("text", "kelurahan"),
    [
        ("got mampet di Kenari, Senen", "Kenari"),
        ("di Karet, Setiabudi banyak sampah", "Karet"),
        ("Lampu mati. Lokasi Cawang, Kramat Jati, Jakarta", "Cawang"),
    ],
)
def test_everyday_word_name_after_di_and_before_its_kecamatan(text: str, kelurahan: str) -> None:
    match = parse_address(text)
    assert match.kelurahan_name == kelurahan  # not the kecamatan's namesake kelurahan


def test_pisangan_alone_offers_both_kelurahan() -> None:
    match = parse_address("banjir lagi di Pisangan, air masuk rumah")
    assert match.confidence < 0.8
    names = {c["kelurahan_name"] for c in match.candidates}
    assert names == {"Pisangan Baru", "Pisangan Timur"}  # Matraman and Pulogadung
