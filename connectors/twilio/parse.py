"""Twilio's incoming-message webhook (form fields) -> InboundMessage; pure, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from connectors.contract import InboundMessage, Location, MediaRef, Sender, UnsupportedEvent

CHANNEL = "twilio"
WHATSAPP_PREFIX = "whatsapp:"
# WhatsApp message types Twilio forwards that carry no complaint (MessageType field, see
# https://www.twilio.com/docs/messaging/guides/webhook-request "WhatsApp-specific parameters").
IGNORED_TYPES = frozenset({"sticker", "reaction", "unsupported", "interactive", "button"})
MAX_MEDIA = 10  # Twilio sends at most 10 media per message (MediaUrl0..MediaUrl9)


def transport(from_address: str) -> str:
    """'whatsapp' for WhatsApp senders ("whatsapp:+62..."), 'sms' otherwise."""
    return "whatsapp" if from_address.startswith(WHATSAPP_PREFIX) else "sms"


def _location(form: Mapping[str, str]) -> Location | None:
    lat, lon = form.get("Latitude"), form.get("Longitude")
    if not lat or not lon:
        return None
    label = " ".join(p for p in (form.get("Label", ""), form.get("Address", "")) if p).strip()
    return Location(lat=float(lat), lon=float(lon), label=label, source="shared")


def _media(form: Mapping[str, str]) -> list[MediaRef]:
    count = min(int(form.get("NumMedia") or 0), MAX_MEDIA)
    refs = []
    for n in range(count):
        url = form.get(f"MediaUrl{n}", "")
        if url:
            refs.append(MediaRef(url=url, content_type=form.get(f"MediaContentType{n}", "")))
    return refs


def parse_form(form: Mapping[str, str], now: datetime | None = None) -> InboundMessage:
    """One incoming SMS/WhatsApp message; UnsupportedEvent for status callbacks and stickers."""
    sid = form.get("MessageSid") or form.get("SmsSid") or ""
    if not sid:
        raise ValueError("no MessageSid")
    if form.get("MessageStatus") and "Body" not in form:
        raise UnsupportedEvent("status callback")
    if form.get("MessageType", "").lower() in IGNORED_TYPES:
        raise UnsupportedEvent(f"whatsapp {form['MessageType'].lower()}")
    sender = form.get("From", "")
    received = now or datetime.now(UTC)
    msg = InboundMessage(
        channel=CHANNEL,
        external_id=sid,
        received_at=received,
        sender=Sender(handle=sender, name=form.get("ProfileName", "")),
        text=(form.get("Body") or "").strip(),
        location=_location(form),
        media=_media(form),
        conversation_id=sender,
        reply_context={
            "transport": transport(sender),
            "to": sender,
            "from": form.get("To", ""),
            # Start of WhatsApp's 24-hour customer service window for this conversation.
            "last_inbound_at": received.isoformat(),
        },
    )
    if not (msg.text or msg.location or msg.media):
        raise UnsupportedEvent("empty message")
    return msg
