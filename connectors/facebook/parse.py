"""Meta page webhooks (Messenger messages, page feed posts/comments) -> InboundMessage; pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.contract import InboundMessage, Location, MediaRef, Sender, UnsupportedEvent

CHANNEL = "facebook"
# Messaging events that are not a citizen writing to us (message_echoes, message_deliveries,
# message_reads, message_reactions, message_edits, postbacks, optins; see
# https://developers.facebook.com/docs/messenger-platform/webhooks#events).
_NOT_MESSAGES = ("delivery", "read", "reaction", "message_edit", "postback", "optin", "referral")
_FEED_ITEMS = frozenset({"comment", "post", "status", "photo"})


@dataclass
class Parsed:
    """Messages found in one webhook body, and why the other events were ignored."""

    messages: list[InboundMessage] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    malformed: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (event, error)


def _when(value: Any, millis: bool) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value / 1000 if millis else value, UTC)
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value.replace("+0000", "+00:00"))
    return datetime.now(UTC)


def _attachments(message: dict[str, Any]) -> tuple[list[MediaRef], Location | None]:
    media, location = [], None
    for att in message.get("attachments") or []:
        payload = att.get("payload") or {}
        if att.get("type") == "image" and payload.get("url"):
            media.append(MediaRef(url=payload["url"]))
        elif att.get("type") == "location" and payload.get("coordinates"):
            coords = payload["coordinates"]
            location = Location(
                lat=float(coords["lat"]),
                lon=float(coords["long"]),
                label=str(att.get("title") or ""),
                source="shared",
            )
    return media, location


def parse_messaging(event: dict[str, Any], page_id: str) -> InboundMessage:
    """One Messenger event -> message; UnsupportedEvent for echoes, receipts, stickers, edits."""
    for kind in _NOT_MESSAGES:
        if kind in event:
            raise UnsupportedEvent(kind)
    message = event.get("message")
    if not isinstance(message, dict):
        raise UnsupportedEvent("unknown messaging event")
    if message.get("is_echo"):
        raise UnsupportedEvent("echo")
    if message.get("sticker_id"):
        raise UnsupportedEvent("sticker")
    psid = str(event["sender"]["id"])
    received = _when(event.get("timestamp"), millis=True)
    media, location = _attachments(message)
    text = str(message.get("text") or "").strip()
    if not (text or media or location):
        raise UnsupportedEvent("empty message")
    return InboundMessage(
        channel=CHANNEL,
        external_id=str(message["mid"]),
        received_at=received,
        sender=Sender(handle=psid),
        text=text,
        location=location,
        media=media,
        conversation_id=f"messenger:{psid}",
        reply_context={
            "transport": "messenger",
            "psid": psid,
            "page_id": page_id,
            "last_inbound_at": received.isoformat(),
        },
    )


def parse_feed_change(value: dict[str, Any], page_id: str) -> InboundMessage:
    """A new post or comment on the page; UnsupportedEvent for reactions, edits, our own posts."""
    item, verb = value.get("item"), value.get("verb")
    if item not in _FEED_ITEMS:
        raise UnsupportedEvent(f"feed {item}")
    if verb != "add":
        raise UnsupportedEvent(f"feed {item} {verb}")
    author = value.get("from") or {}
    author_id = str(author.get("id") or value.get("sender_id") or "")
    if author_id == page_id:
        raise UnsupportedEvent("own post")
    object_id = str(value.get("comment_id") or value.get("post_id") or "")
    post_id = str(value.get("post_id") or object_id)
    photo = value.get("photo") or (value.get("link") if item == "photo" else "")
    text = str(value.get("message") or "").strip()
    if not object_id or not (text or photo):
        raise UnsupportedEvent(f"feed {item} without content")
    return InboundMessage(
        channel=CHANNEL,
        external_id=object_id,
        received_at=_when(value.get("created_time"), millis=False),
        sender=Sender(handle=author_id, name=str(author.get("name") or "")),
        text=text,
        media=[MediaRef(url=str(photo))] if photo else [],
        conversation_id=f"feed:{post_id}:{author_id}",
        reply_context={"transport": "feed", "object_id": object_id, "post_id": post_id},
    )


def _list(value: Any) -> list[Any]:
    """A JSON member that should be an array; anything else counts as empty."""
    return value if isinstance(value, list) else []


def parse_payload(payload: dict[str, Any]) -> Parsed:
    """A whole webhook body (batched entries); ValueError when it is not a page webhook."""
    if not isinstance(payload, dict) or payload.get("object") != "page":
        raise ValueError("not a page webhook")
    entries = payload.get("entry") or []
    if not isinstance(entries, list):
        raise ValueError("entry is not a list")
    parsed = Parsed()
    for entry in entries:
        if not isinstance(entry, dict):
            parsed.malformed.append(({"entry": repr(entry)[:1000]}, "entry is not an object"))
            continue
        page_id = str(entry.get("id") or "")
        changes = [c for c in _list(entry.get("changes")) if isinstance(c, dict)]
        events = [(parse_messaging, e) for e in _list(entry.get("messaging"))]
        events += [
            (parse_feed_change, c.get("value") or {}) for c in changes if c.get("field") == "feed"
        ]
        parsed.ignored += [f"field {c.get('field')}" for c in changes if c.get("field") != "feed"]
        for parse, event in events:
            try:
                if not isinstance(event, dict):
                    raise TypeError(f"event is a {type(event).__name__}, not an object")
                parsed.messages.append(parse(event, page_id))
            except UnsupportedEvent as exc:
                parsed.ignored.append(str(exc))
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raw = event if isinstance(event, dict) else {"value": repr(event)[:1000]}
                parsed.malformed.append((raw, f"{type(exc).__name__}: {exc}"))
    return parsed
