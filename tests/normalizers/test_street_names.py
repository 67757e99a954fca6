"""Street names as citizens write them: where a name ends, generic roads, numbered streets, and
nicknames spelt out so that two reports of one street compare equal in dedupe."""

from __future__ import annotations

import pytest

from connectors.contract import InboundMessage
from normalizers.address import parse_address
from normalizers.report import build_draft
from pipeline.similarity import street_key, street_score

# (text, street) pairs: the trailing words of a chat message or an English sentence are not part
# of the street; Raya, Dalam or a street's number end a name unless a direction or number follows.
TRAILING_WORDS = [
    ("saluran di jl benhil raya mampet, tiap ujan", "Jl. Bendungan Hilir Raya"),
    ("The sidewalk on Jalan Sabang is full of street vendors", "Jl. Sabang"),
    ("pothole on Jalan Fatmawati near the market, dangerous at night", "Jl. Fatmawati"),
    ("The streetlights on Jl. Gatot Subroto are off since last week", "Jl. Gatot Subroto"),
    ("Flooding on Jl Kemang Raya again this morning", "Jl. Kemang Raya"),
    ("pkl di jl tanah abang 3 bikin macet, sampe ke badan jalan", "Jl. Tanah Abang 3"),
    ("got di jl kayu putih raya udah seminggu mampet", "Jl. Kayu Putih Raya"),
    ("jl cempaka baru timur gelap banget lampunya mati", "Jl. Cempaka Baru Timur"),
    ("jl kebon kacang 30 jalannya bolong2 min", "Jl. Kebon Kacang 30"),
    ("trotoar jl sabang dipake pkl tiap sore", "Jl. Sabang"),
    ("jl pesanggrahan raya dipenuhi sampah", "Jl. Pesanggrahan Raya"),
    ("got di jl tebet dalam iv mampet", "Jl. Tebet Dalam IV"),
]
# Names that must stay whole: a direction or Raya after the closing word, area words inside.
WHOLE_NAMES = [
    ("Lampu di Jalan Tebet Barat Dalam Raya padam", "Jl. Tebet Barat Dalam Raya"),
    ("Jalan berlubang di Jl Kembangan Raya Selatan", "Jl. Kembangan Raya Selatan"),
    ("jl warung buncit raya berlubang", "Jl. Warung Buncit Raya"),
    ("jl raya lubang buaya banjir lagi", "Jl. Raya Lubang Buaya"),
    ("jl tanah tinggi gelap, lampu mati", "Jl. Tanah Tinggi"),
    ("jl lagoa terusan rusak parah", "Jl. Lagoa Terusan"),
    ("jl pangeran diponegoro dipenuhi pkl", "Jl. Pangeran Diponegoro"),
    ("jl raya bogor km 25 rusak parah", "Jl. Raya Bogor Km 25"),
    # An abbreviated given name's dot is no full stop.
    ("Sampah menggunung di Jalan KH Moh. Mansyur, depan pasar", "Jl. KH. Moh. Mansyur"),
    ("Jalan Moch. Kahfi II berlubang di beberapa titik", "Jl. Moch. Kahfi II"),
]


@pytest.mark.parametrize(("text", "street"), TRAILING_WORDS + WHOLE_NAMES)
def test_a_street_name_ends_where_the_name_ends(text: str, street: str) -> None:
    assert parse_address(text).street == street


@pytest.mark.parametrize(
    "text",
    [
        "sampah numpuk di pinggir jalan raya, bau banget",
        "banyak lubang di jalan raya depan pasar",
        "Pohon tumbang menutup jalan raya, mohon segera dievakuasi",
        "lubang besar di jalan tol arah cawang",
    ],
)
def test_jalan_raya_alone_names_no_street(text: str) -> None:
    assert parse_address(text).street == ""


def test_the_named_street_elsewhere_in_the_text_is_taken() -> None:
    match = parse_address("sampah dibuang di pinggir jalan raya, dekat Jl. Kenanga RT 03")
    assert match.street == "Jl. Kenanga"
    assert parse_address("macet parah di jalan raya Bogor depan pasar").street == "Jl. Raya Bogor"


def test_two_area_names_make_one_gang() -> None:
    match = parse_address("got mampet di gang Kramat Kwitang, Senen")
    assert (match.street, match.kelurahan_name) == ("Gg. Kramat Kwitang", "Kwitang")


@pytest.mark.parametrize(
    ("text", "street", "kelurahan"),
    [
        ("lampu mati di mangga besar 13 dari semalam", "Mangga Besar 13", "Mangga Besar"),
        ("sampah di petamburan iii gak diangkut", "Petamburan III", "Petamburan"),
        ("di mangga besar raya banyak pkl", "Mangga Besar Raya", "Mangga Besar"),
        ("jalan cempaka putih tengah 2 rusak", "Jl. Cempaka Putih Tengah 2", ""),
    ],
)
def test_an_area_name_with_a_number_or_raya_is_a_street(
    text: str, street: str, kelurahan: str
) -> None:
    match = parse_address(text)
    assert (match.street, match.kelurahan_name) == (street, kelurahan)


@pytest.mark.parametrize(
    ("text", "kecamatan"),
    [
        ("banjir di kelapa gading 2 hari ga surut", "Kelapa Gading"),
        ("tebet 3 hari mati lampu, gelap", "Tebet"),
    ],
)
def test_a_count_after_an_area_name_is_no_street(text: str, kecamatan: str) -> None:
    match = parse_address(text)
    assert (match.street, match.kecamatan_name) == ("", kecamatan)


@pytest.mark.parametrize(
    ("text", "street", "kelurahan"),
    [
        ("Jl Pegangsaan 2 banjir lagi, Kelapa Gading", "Jl. Pegangsaan 2", "Pegangsaan Dua"),
        ("jl duren 3 tergenang sampai betis", "Jl. Duren 3", "Duren Tiga"),
        ("di jembatan 5 banyak sampah numpuk", "", "Jembatan Lima"),
    ],
)
def test_digits_in_area_names_are_read_as_number_words(
    text: str, street: str, kelurahan: str
) -> None:
    match = parse_address(text)
    assert (match.street, match.kelurahan_name) == (street, kelurahan)


# The same street written two ways, as two citizens would: dedupe must see one street.
SAME_STREET = [
    ("saluran di jl benhil raya mampet", "Banjir di Jalan Bendungan Hilir Raya, Tanah Abang"),
    ("jalan rusak di Jl. Gn. Sahari dekat pasar", "Lampu mati di Jalan Gunung Sahari"),
    ("jl gatsu depan gedung rusak", "Trotoar Jalan Gatot Subroto rusak"),
    ("Jl. P. Jayakarta banjir", "Genangan di Jalan Pangeran Jayakarta"),
    ("macet di jl otista tiap sore", "Parkir liar di Jl. Otto Iskandardinata"),
    ("jalan rusak di jl mt haryono depan halte", "Jl. MT Haryono banjir"),
    ("Jl. Kh. Mas Mansyur macet parkir liar", "PKL di Jalan KH Mas Mansyur"),
    ("trotoar jl tb simatupang rusak", "Jalan TB Simatupang berlubang"),
    ("jl pd bambu kebanjiran", "Banjir di Jalan Pondok Bambu"),
    ("Jl. Kb. Jeruk Raya macet", "Kemacetan di Jalan Kebon Jeruk Raya"),
]


@pytest.mark.parametrize(("chat", "formal"), SAME_STREET)
def test_nicknames_and_abbreviations_compare_equal_in_dedupe(chat: str, formal: str) -> None:
    ours, theirs = parse_address(chat).street, parse_address(formal).street
    assert ours and street_key(ours) == street_key(theirs)
    assert street_score(ours, theirs) == 1.0


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Jl. P. Jayakarta banjir", "Jl. Pangeran Jayakarta"),
        ("jalan rusak di jl mt haryono depan halte", "Jl. MT Haryono"),
        ("trotoar jl tb simatupang rusak", "Jl. TB Simatupang"),
        ("jalan rusak di Jl. Gn. Sahari dekat pasar", "Jl. Gunung Sahari"),
    ],
)
def test_street_is_written_the_way_street_signs_spell_it(text: str, street: str) -> None:
    assert parse_address(text).street == street


def test_a_chat_draft_gives_the_street_and_a_complete_address() -> None:
    msg = InboundMessage(
        channel="whatsapp", external_id="w1", text="saluran di jl benhil raya mampet, tiap ujan"
    )
    draft = build_draft(msg)
    assert draft.area.street == "Jl. Bendungan Hilir Raya"
    assert draft.address_text.startswith("Jl. Bendungan Hilir Raya, Kel. Bendungan Hilir")
    assert draft.category == "saluran_air"  # "mampet" is no longer read as part of the street
    assert "address_detail" not in draft.missing
