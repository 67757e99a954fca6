"""Telegram Bot API updates -> InboundMessage; pure (plain dicts from webhook or getUpdates)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from connectors.contract import InboundMessage, Location, MediaRef, Sender, UnsupportedEvent

CHANNEL = "telegram"
FILE_SCHEME = "tg-file:"  # MediaRef.url for a Telegram file id; resolved with getFile
# Kinds of Update (https://core.telegram.org/bots/api#update) that are not a citizen's message.
_OTHER_UPDATES = (
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "message_reaction",
    "inline_query",
    "poll",
)
_NO_COMPLAINT = (
    "sticker",
    "dice",
    "poll",
    "animation",
    "game",
    "new_chat_members",
    "left_chat_member",
    "pinned_message",
    "contact",
)
_BOT_SUFFIX = re.compile(r"^(/\w+)@\w+")  # "/status@JakartaBot 123" -> "/status 123"
_IMAGE_DOC = ("image/jpeg", "image/png", "image/webp", "image/heic", "image/heif")


def _location(message: dict[str, Any]) -> Location | None:
    venue = message.get("venue") or {}
    point = message.get("location") or venue.get("location")
    if not point:
        return None
    label = ", ".join(p for p in (venue.get("title", ""), venue.get("address", "")) if p)
    return Location(
        lat=float(point["latitude"]), lon=float(point["longitude"]), label=label, source="shared"
    )


def _media(message: dict[str, Any]) -> list[MediaRef]:
    caption = str(message.get("caption") or "")
    if message.get("photo"):
        # Telegram lists one photo in several sizes, smallest first: keep the largest.
        best = max(message["photo"], key=lambda p: p.get("width", 0) * p.get("height", 0))
        return [
            MediaRef(
                url=FILE_SCHEME + best["file_id"],
                content_type="image/jpeg",
                size=best.get("file_size"),
                caption=caption,
            )
        ]
    doc = message.get("document") or {}
    if doc.get("mime_type") in _IMAGE_DOC:  # a photo sent "as file" keeps its original quality
        return [
            MediaRef(
                url=FILE_SCHEME + doc["file_id"],
                content_type=doc["mime_type"],
                size=doc.get("file_size"),
                caption=caption,
            )
        ]
    return []


def parse_update(update: dict[str, Any]) -> InboundMessage:
    """One Update -> message; UnsupportedEvent for edits, stickers, groups and other kinds."""
    for kind in _OTHER_UPDATES:
        if kind in update:
            raise UnsupportedEvent(kind)
    message = update.get("message")
    if not isinstance(message, dict):
        raise UnsupportedEvent("unknown update")
    for kind in _NO_COMPLAINT:
        if kind in message:
            raise UnsupportedEvent(kind)
    chat = message["chat"]
    if chat.get("type") != "private":
        raise UnsupportedEvent("group chat")  # the bot takes reports in private chats only
    text = _BOT_SUFFIX.sub(r"\1", str(message.get("text") or message.get("caption") or "")).strip()
    msg = InboundMessage(
        channel=CHANNEL,
        external_id=f"{chat['id']}:{message['message_id']}",
        received_at=datetime.fromtimestamp(int(message["date"]), UTC),
        sender=Sender(
            handle=str(chat["id"]), name=str((message.get("from") or {}).get("first_name") or "")
        ),
        text=text,
        location=_location(message),
        media=_media(message),
        conversation_id=str(chat["id"]),
        reply_context={"chat_id": chat["id"], "message_id": message["message_id"]},
    )
    if not (msg.text or msg.location or msg.media):
        raise UnsupportedEvent("empty message")
    return msg
