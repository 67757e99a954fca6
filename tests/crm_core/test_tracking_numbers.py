"""Tracking numbers: readable, typed leniently, every single typo and adjacent swap caught."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_client.base import InvalidTrackingNumber
from crm_core import tracking_numbers as tn

bodies = st.text(alphabet=tn.ALPHABET, min_size=8, max_size=8)


def test_generated_numbers_are_grouped_and_avoid_confusable_symbols():
    for _ in range(200):
        shown = tn.display(tn.generate())
        assert len(shown) == 11 and shown[4] == shown[9] == "-"
        assert not set(shown) & set("0O1IL")
        assert tn.parse(shown) == shown


@pytest.mark.parametrize(
    "typed", ["jk7m-29qx-{c}", "JK7M29QX{c}", " jk7m 29qx {c} ", "JK7M.29QX.{c}"]
)
def test_parse_accepts_how_people_type(typed):
    check = tn.check_symbol("JK7M29QX")
    assert (
        tn.parse(typed.format(c=check.lower() if typed[0] == "j" else check))
        == f"JK7M-29QX-{check}"
    )


@given(bodies, st.integers(0, 8), st.sampled_from(tn.ALPHABET))
def test_every_single_substitution_is_caught(body, position, symbol):
    number = body + tn.check_symbol(body)
    typo = number[:position] + symbol + number[position + 1 :]
    if typo != number:
        with pytest.raises(InvalidTrackingNumber) as err:
            tn.parse(typo)
        assert "salah ketik" in err.value.hint


@given(bodies, st.integers(0, 7))
def test_every_adjacent_swap_is_caught(body, position):
    number = body + tn.check_symbol(body)
    swapped = number[:position] + number[position + 1] + number[position] + number[position + 2 :]
    if swapped != number:
        with pytest.raises(InvalidTrackingNumber):
            tn.parse(swapped)


@pytest.mark.parametrize(
    ("typed", "hint_part"),
    [
        ("JK7M-29QX-O", "angka 0 dan 1"),
        ("1K7M-29QX-4", "huruf O, I dan L"),
        ("JK7M-29Q", "9 huruf/angka"),
        ("", "9 huruf/angka"),
        ("JK7M-29QX-4!", "hanya berisi huruf dan angka"),
    ],
)
def test_hints_say_what_is_wrong_in_bahasa_indonesia(typed, hint_part):
    with pytest.raises(InvalidTrackingNumber) as err:
        tn.parse(typed)
    assert hint_part in err.value.hint
    assert isinstance(err.value, ValueError)


def test_every_neighbour_swap_at_every_position_is_caught_exhaustively():
    base = "23456789"
    for a in tn.ALPHABET:
        for b in tn.ALPHABET:
            if a == b:
                continue
            for position in range(tn.BODY_LENGTH):  # swaps inside the body and with the check
                body = base[:position] + a + base[position + 1 :]
                number = body + tn.check_symbol(body)
                pair = number[position : position + 2]
                swapped = number[:position] + pair[::-1] + number[position + 2 :]
                assert swapped == number or not tn.is_valid(swapped)


@given(st.text(max_size=30))
def test_any_input_parses_or_gets_a_hint(text):
    try:
        parsed = tn.parse(text)
    except InvalidTrackingNumber as err:
        assert err.hint
    else:
        assert tn.is_valid(parsed.replace("-", ""))
