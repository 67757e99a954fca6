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


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        # branches as the cause or as litter: the drain, the rubbish, not the tree
        ("Got di depan rumah mampet gara2 ranting pohon sama sampah daun", "saluran_air"),
        ("selokan meluap krn ketutup ranting pohon, air masuk ke rumah warga", "saluran_air"),
        ("Ranting pohon bekas pangkas dibuang di jalan, ngalangin motor", "sampah"),
        ("sisa pangkasan ranting numpuk di pinggir jalan udah seminggu ga diangkut", "sampah"),
        # real tree complaints stay with Pertamanan
        ("Pohon tumbang nutup jalan depan SDN 05, tolong segera dievakuasi", "pohon"),
        ("dahan rawan patah di atas halte, ngeri kalau angin kencang", "pohon"),
        ("ranting pohon menjuntai kena kabel listrik, mohon dipangkas", "pohon"),
    ],
)
def test_branches_go_where_the_complaint_is(text: str, slug: str) -> None:
    assert classify(text)[0] == slug


@pytest.mark.parametrize(
    "text",
    [
        "Toko bangunan jualan pasir numpuk di badan jalan, bikin licin",
        "toko matrial jualan pasir di pinggir jalan sampe makan setengah jalan",
    ],
)
def test_a_shop_selling_sand_is_not_a_street_vendor(text: str) -> None:
    category, confidence, opd = classify(text)
    assert category != "pkl"
    assert opd != "Satuan Polisi Pamong Praja" or confidence < 0.5


@pytest.mark.parametrize(
    "text",
    [
        "ada yg jualan di trotoar depan stasiun, pejalan kaki turun ke jalan",
        "Pedagang jualan di pinggir jalan sampai malam, bikin macet",
        "ya terganggu lah, buat pejalan kaki jadi sempit kalau ada yang jualan gitu",
    ],
)
def test_selling_in_the_street_is_still_pkl(text: str) -> None:
    assert classify(text)[0] == "pkl"


def test_the_cause_weighs_less_than_the_complaint() -> None:
    text = "Jalan Kayu Jati V rusak akibat proyek perbaikan saluran air, sudah sebulan"
    assert classify(text)[0] == "jalan_rusak"


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Jl H Deih, Lubang Buaya, Cipayung sudah tiga tahun rusak", "jalan_rusak"),
        ("Lampu di Jl Lubang Buaya mati", "pju"),  # not a hole ("lubang")
        ("Jl. Taman Sari rusak parah, mobil susah lewat", "jalan_rusak"),  # not a park
        ("Jl. Lapangan Tembak Cibubur rusak parah", "jalan_rusak"),
    ],
)
def test_words_of_a_street_or_area_name_are_not_the_complaint(text: str, slug: str) -> None:
    assert classify(text)[0] == slug


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        # a branch stuck in a pothole as a warning sign is not a tree complaint
        (
            "min jln Duri Raya kel Duri Kepa msh berlubang, cm dikasih ranting pohon sbg tanda",
            "jalan_rusak",
        ),
        ("gorong2 RW 1 Pulau Kelapa rusak, mampet sampah, airnya meluap trs", "saluran_air"),
        ("jalan depan sekolah bolong2 gede, udah ada yg jatoh", "jalan_rusak"),
        # the street in the address is not the road complained about
        ("Trotoar Jl Lenteng Agung Raya dkt STIH rusak, ubin lepas & bolong", "trotoar"),
    ],
)
def test_chat_forms_and_addresses(text: str, slug: str) -> None:
    assert classify(text)[0] == slug


@pytest.mark.parametrize(
    "text",
    [
        "motor diparkir di trotoar Jl. Lapangan Ros, pejalan kaki turun ke jalan",
        "mobil2 parkir di atas trotoar depan ruko, pejalan kaki ga bisa lewat",
    ],
)
def test_parking_on_the_trotoar_is_parkir_liar(text: str) -> None:
    assert classify(text)[0] == "parkir_liar"
