"""Twilio webhook forms (recorded shapes from Twilio's docs) -> InboundMessage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.contract import UnsupportedEvent
from connectors.twilio.parse import parse_form

FIXTURES = Path(__file__).parents[2] / "fixtures" / "twilio"


def load(name: str) -> dict[str, str]:
    return json.loads((FIXTURES / name).read_text())


def test_sms_complaint_keeps_text_and_reply_address() -> None:
    msg = parse_form(load("sms_text.json"))
    assert msg.channel == "twilio"
    assert msg.external_id == "SM7f3a1c2b9d8e4f5a6b7c8d9e0f1a2b3c"
    assert msg.text.startswith("Jalan rusak berlubang besar di Jl. Kramat Raya")
    assert msg.sender.handle == "+6281200000001"
    assert msg.conversation_id == "+6281200000001"
    assert msg.reply_context["transport"] == "sms"
    assert msg.reply_context["from"] == "+628111272206"
    assert msg.media == [] and msg.location is None


def test_whatsapp_shared_location_becomes_a_point_with_label() -> None:
    msg = parse_form(load("whatsapp_location.json"))
    assert msg.reply_context["transport"] == "whatsapp"
    assert msg.location is not None
    assert (msg.location.lat, msg.location.lon) == (-6.1862, 106.8441)
    assert "Halte Kramat" in msg.location.label and "Senen" in msg.location.label
    assert msg.text == ""


def test_whatsapp_photo_with_caption_lists_the_media_url() -> None:
    msg = parse_form(load("whatsapp_image.json"))
    assert msg.text.startswith("Sampah menumpuk")
    assert [m.content_type for m in msg.media] == ["image/jpeg"]
    assert msg.media[0].url.startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert msg.sender.name == "Warga"


def test_sticker_is_an_unsupported_event() -> None:
    with pytest.raises(UnsupportedEvent, match="sticker"):
        parse_form(load("whatsapp_sticker.json"))


def test_status_callback_is_not_a_message() -> None:
    form = {"MessageSid": "SMx", "MessageStatus": "delivered", "To": "+6281200000001"}
    with pytest.raises(UnsupportedEvent):
        parse_form(form)


def test_form_without_sid_is_malformed() -> None:
    with pytest.raises(ValueError, match="MessageSid"):
        parse_form({"Body": "halo"})
