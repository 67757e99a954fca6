"""A page of the X API v2 mentions timeline -> InboundMessage list (pure)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.contract import InboundMessage, Location, MediaRef, Sender, UnsupportedEvent

CHANNEL = "twitter"
# What the poller asks for (https://docs.x.com/x-api/fundamentals/expansions): the author, the
# photos and the place are expanded into "includes" so one request carries everything we keep.
EXPANSIONS = ["author_id", "attachments.media_keys", "geo.place_id", "referenced_tweets.id"]
TWEET_FIELDS = [
    "created_at",
    "conversation_id",
    "author_id",
    "referenced_tweets",
    "geo",
    "attachments",
    "lang",
    "in_reply_to_user_id",
    "entities",
]
USER_FIELDS = ["username", "name"]
MEDIA_FIELDS = ["type", "url", "preview_image_url", "width", "height", "alt_text"]
PLACE_FIELDS = ["full_name", "name", "geo", "country_code", "place_type"]
_LEADING_MENTIONS = re.compile(r"^(\s*@\w{1,15})+\s*")
_TCO = re.compile(r"\s*https://t\.co/\w+\s*$")


@dataclass(frozen=True)
class Skipped:
    """A tweet we did not turn into a message, and why (retweet, own tweet, malformed)."""

    tweet_id: str
    reason: str
    malformed: bool = False
    raw: dict[str, Any] | None = None


def _index(items: Any, key: str) -> dict[str, dict[str, Any]]:
    """includes.users/places/media by id; members that are not objects are left out."""
    if not isinstance(items, list):
        return {}
    return {
        str(item[key]): item
        for item in items
        if isinstance(item, dict) and item.get(key) is not None
    }


def _location(tweet: dict[str, Any], places: dict[str, dict[str, Any]]) -> Location | None:
    geo = tweet.get("geo") or {}
    point = (geo.get("coordinates") or {}).get("coordinates")
    if isinstance(point, list) and len(point) == 2:  # GeoJSON order: [longitude, latitude]
        return Location(lon=point[0], lat=point[1], source="shared")
    place = places.get(str(geo.get("place_id")))
    bbox = ((place or {}).get("geo") or {}).get("bbox")
    if place and isinstance(bbox, list) and len(bbox) == 4:  # [west, south, east, north]
        return Location(
            lon=(bbox[0] + bbox[2]) / 2,
            lat=(bbox[1] + bbox[3]) / 2,
            label=str(place.get("full_name", "")),
            source="place",
        )
    return None


def _media(tweet: dict[str, Any], media: dict[str, dict[str, Any]]) -> list[MediaRef]:
    refs = []
    for key in (tweet.get("attachments") or {}).get("media_keys", []):
        item = media.get(str(key)) or {}
        # photos have "url"; videos and GIFs only a still in "preview_image_url"
        url = item.get("url") if item.get("type") == "photo" else item.get("preview_image_url")
        if url:
            refs.append(MediaRef(url=str(url), caption=str(item.get("alt_text") or "")))
    return refs


def clean_text(text: str, has_media: bool) -> str:
    """Tweet text without the leading @mentions (and the t.co link X appends for photos)."""
    text = html.unescape(text)  # the API returns &amp; &lt; &gt; escaped
    text = _LEADING_MENTIONS.sub("", text)
    return _TCO.sub("", text).strip() if has_media else text.strip()


def parse_tweet(tweet: dict[str, Any], includes: dict[str, Any], account_id: str) -> InboundMessage:
    """One tweet of a page; UnsupportedEvent for retweets and the account's own tweets."""
    tweet_id, text = str(tweet.get("id") or ""), tweet.get("text")
    if not tweet_id.isdigit() or not isinstance(text, str):
        raise ValueError("tweet without id or text")
    author_id = str(tweet.get("author_id") or "")
    if author_id and author_id == account_id:
        raise UnsupportedEvent("own tweet")
    if any(ref.get("type") == "retweeted" for ref in tweet.get("referenced_tweets") or []):
        raise UnsupportedEvent("retweet")
    users = _index(includes.get("users"), "id")
    author = users.get(author_id, {})
    media = _media(tweet, _index(includes.get("media"), "media_key"))
    extra: dict[str, Any] = {}
    if tweet.get("created_at"):
        extra["received_at"] = datetime.fromisoformat(
            str(tweet["created_at"]).replace("Z", "+00:00")
        )
    return InboundMessage(
        channel=CHANNEL,
        external_id=tweet_id,
        sender=Sender(handle=str(author.get("username", "")), name=str(author.get("name", ""))),
        text=clean_text(text, bool(media)),
        location=_location(tweet, _index(includes.get("places"), "id")),
        media=media,
        conversation_id=str(tweet.get("conversation_id") or tweet_id),
        reply_context={"tweet_id": tweet_id, "author_id": author_id},
        raw=tweet,
        **extra,
    )


def parse_page(page: dict[str, Any], account_id: str) -> tuple[list[InboundMessage], list[Skipped]]:
    """Every tweet of a page, oldest first; what was left out comes back as Skipped."""
    includes = page.get("includes")
    includes = includes if isinstance(includes, dict) else {}
    data = page.get("data")
    msgs: list[InboundMessage] = []
    skipped: list[Skipped] = []
    for tweet in reversed(data if isinstance(data, list) else []):  # the API lists newest first
        tweet_id = str(tweet.get("id") or "") if isinstance(tweet, dict) else ""
        try:
            if not isinstance(tweet, dict):
                raise TypeError(f"tweet is a {type(tweet).__name__}, not an object")
            msgs.append(parse_tweet(tweet, includes, account_id))
        except UnsupportedEvent as exc:
            skipped.append(Skipped(tweet_id, str(exc)))
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # One odd tweet is stored flagged; it must not hold up the rest of the page.
            raw = tweet if isinstance(tweet, dict) else {"value": repr(tweet)[:1000]}
            skipped.append(Skipped(tweet_id, f"malformed: {exc}", malformed=True, raw=raw))
    return msgs, skipped
