"""Whatever a citizen sends, the normalizers answer instead of raising."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.contract import InboundMessage
from normalizers.address import parse_address
from normalizers.category import CATEGORIES, classify
from normalizers.contact import mask_nik
from normalizers.geo import locate
from normalizers.photos import inspect_photo
from normalizers.report import build_draft

_VOCABULARY = """jl. kel. kec. rt rw 05/03 Menteng Cideng - , . depan Stasiun jakut Depok arah camat
sampah banjir 😡 @DKIJakarta #banjir https://t.co/x 3174015708900003 Kramat-Jati"""
WORDS = st.sampled_from(_VOCABULARY.split())


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=40).map(" ".join)))
def test_any_text(text: str) -> None:
    match = parse_address(text)
    assert 0.0 <= match.confidence <= 1.0
    assert classify(text)[0] in CATEGORIES
    draft = build_draft(InboundMessage(channel="t", external_id="1", text=text))
    assert "3174015708900003" not in draft.description + draft.original_text
    assert mask_nik(mask_nik(text)) == mask_nik(text)


@settings(max_examples=200, deadline=None)
@given(st.floats(-90, 90), st.floats(-180, 180))
def test_any_point(lat: float, lon: float) -> None:
    match = locate(lat, lon)
    assert match.outside_jakarta or match.kelurahan_code.startswith("31.")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_are_refused_with_a_reason(data: bytes) -> None:
    info = inspect_photo(data)
    assert info.ok or info.reason
