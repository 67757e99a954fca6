"""Citizen-facing texts: every reply kind renders, asks are joined naturally, reasons are kind."""

from __future__ import annotations

import re

import pytest

from pipeline.replies import ASK_FOR, REJECT_REASONS, TEMPLATES, ask_for, reject_reason, render

VALUES = {
    "tracking_number": "JK7M-29QX-4",
    "reference": "IN-7F3K2Q9XWM",
    "ask": "foto kondisi di lokasi",
    "window": 48,
    "reason": "lokasi berada di luar wilayah DKI Jakarta",
    "status": "Proses",
    "detail": "",
    "hint": "Mohon periksa kembali nomor Anda.",
}


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_template_renders_short_text(kind: str) -> None:
    names = set(TEMPLATES[kind].get_identifiers())
    text = render(kind, **{k: v for k, v in VALUES.items() if k in names})
    assert "$" not in text
    assert len(text) <= 320  # two SMS segments at most (GSM-7, 160 characters each)
    assert not re.search(r"\s{2,}", text)


def test_confirmation_carries_the_number_and_how_to_check_it() -> None:
    text = render("confirmation", tracking_number="JK7M-29QX-4")
    assert "Nomor laporan: JK7M-29QX-4." in text
    assert text.endswith("STATUS JK7M-29QX-4")


def test_missing_template_value_is_an_error() -> None:
    with pytest.raises(KeyError):
        render("confirmation")


@pytest.mark.parametrize(
    ("missing", "text"),
    [
        (["photo"], ASK_FOR["photo"]),
        (["location", "photo"], f"{ASK_FOR['location']} serta {ASK_FOR['photo']}"),
        (
            ["description", "location", "photo"],
            f"{ASK_FOR['description']}, {ASK_FOR['location']} serta {ASK_FOR['photo']}",
        ),
        ([], ASK_FOR["description"]),
        (["unknown_item"], ASK_FOR["description"]),
    ],
)
def test_ask_for_joins_items(missing: list[str], text: str) -> None:
    assert ask_for(missing) == text


def test_reject_reason_prefers_a_known_reason() -> None:
    assert reject_reason(["low_confidence", "outside_jakarta"]) == REJECT_REASONS["outside_jakarta"]
    assert reject_reason(["something_new"]) == REJECT_REASONS["out_of_scope"]
