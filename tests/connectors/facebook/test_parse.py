"""Meta webhook bodies (shapes from Meta's references) -> messages, ignored events counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.facebook.parse import parse_payload

FIXTURES = Path(__file__).parents[2] / "fixtures" / "facebook"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def test_messenger_text_becomes_a_message_with_reply_context() -> None:
    parsed = parse_payload(load("messenger_text.json"))
    (msg,) = parsed.messages
    assert msg.channel == "facebook"
    assert msg.external_id.startswith("m_AG5Hz2U")
    assert "lampu PJU" in msg.text
    assert msg.conversation_id == "messenger:6900000000000001"
    assert msg.reply_context["psid"] == "6900000000000001"
    assert msg.reply_context["transport"] == "messenger"
    assert msg.received_at.year == 2024


def test_messenger_image_is_a_media_ref() -> None:
    (msg,) = parse_payload(load("messenger_image.json")).messages
    assert msg.text == ""
    assert msg.media[0].url.startswith("https://scontent.xx.fbcdn.net/")


def test_messenger_location_is_a_point() -> None:
    (msg,) = parse_payload(load("messenger_location.json")).messages
    assert msg.location is not None
    assert (msg.location.lat, msg.location.lon) == (-6.1939, 106.8893)


def test_stickers_reactions_echoes_receipts_and_edits_are_ignored() -> None:
    parsed = parse_payload(load("messenger_noise.json"))
    assert parsed.messages == []
    assert sorted(parsed.ignored) == [
        "delivery",
        "echo",
        "message_edit",
        "reaction",
        "read",
        "sticker",
    ]


def test_feed_comment_is_a_message_replied_to_under_the_comment() -> None:
    (msg,) = parse_payload(load("feed_comment.json")).messages
    assert msg.external_id == "122131676912594941_1213590066982748"
    assert "Sunter Jaya" in msg.text
    assert msg.reply_context == {
        "transport": "feed",
        "object_id": "122131676912594941_1213590066982748",
        "post_id": "150000000000001_122131676912594941",
    }
    assert msg.conversation_id == "feed:150000000000001_122131676912594941:7000000000000001"


def test_feed_reactions_edits_and_our_own_comments_are_ignored() -> None:
    parsed = parse_payload(load("feed_noise.json"))
    assert parsed.messages == []
    assert parsed.ignored == ["feed reaction", "feed comment edited", "own post"]


def test_a_broken_event_is_kept_as_malformed_beside_good_ones() -> None:
    payload = load("messenger_text.json")
    payload["entry"][0]["messaging"].append({"message": {"mid": "m_x", "text": "tanpa pengirim"}})
    parsed = parse_payload(payload)
    assert len(parsed.messages) == 1
    assert parsed.malformed[0][1].startswith("KeyError")


def test_non_page_object_is_rejected() -> None:
    with pytest.raises(ValueError, match="page"):
        parse_payload({"object": "instagram", "entry": []})


def test_visitor_post_on_the_page_is_a_message_replied_to_under_the_post() -> None:
    (msg,) = parse_payload(load("feed_visitor_post.json")).messages
    assert msg.external_id == "150000000000001_122131677000000001"
    assert "Kebon Sirih" in msg.text
    assert msg.reply_context["object_id"] == "150000000000001_122131677000000001"
