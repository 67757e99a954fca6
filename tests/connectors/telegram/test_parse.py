"""Telegram updates (recorded shapes) -> InboundMessage; edits, stickers and groups ignored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.contract import UnsupportedEvent
from connectors.telegram.parse import parse_update

FIXTURES = Path(__file__).parents[2] / "fixtures" / "telegram"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_lapor_command_keeps_the_complaint_text_and_chat() -> None:
    msg = parse_update(load("lapor_text.json"))
    assert msg.channel == "telegram"
    assert msg.external_id == "500000001:5362"
    assert msg.text.startswith("/lapor Pohon tumbang menutup jalan")
    assert msg.conversation_id == "500000001"
    assert msg.reply_context == {"chat_id": 500000001, "message_id": 5362}


def test_status_command_loses_the_bot_name_suffix() -> None:
    assert parse_update(load("status_command.json")).text == "/status JKT-7Q4M"


def test_start_is_passed_on_for_the_pipeline_to_answer() -> None:
    assert parse_update(load("start.json")).text == "/start"


def test_photo_with_caption_keeps_the_largest_size() -> None:
    msg = parse_update(load("photo_caption.json"))
    assert msg.text.startswith("Trotoar rusak")
    (photo,) = msg.media
    assert photo.url.endswith("ADeQADiLgFAAEeBA") and photo.url.startswith("tg-file:")
    assert photo.size == 32325


def test_shared_location_and_venue_are_points() -> None:
    loc = parse_update(load("location.json")).location
    assert loc is not None and (loc.lat, loc.lon) == (-6.2836, 106.8446)
    venue = parse_update(load("venue.json")).location
    assert venue is not None and venue.label == "Taman Ayodya, Jl. Barito, Kebayoran Baru"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("sticker.json", "sticker"),
        ("edited_message.json", "edited_message"),
        ("group_message.json", "group chat"),
    ],
)
def test_unsupported_updates(name: str, reason: str) -> None:
    with pytest.raises(UnsupportedEvent, match=reason):
        parse_update(load(name))
