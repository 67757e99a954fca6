"""X (Twitter) channel: mentions of @DKIJakarta polled with tweepy, public replies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from config.settings import Settings
from connectors.contract import AuthFailed, BadConfig, MediaRef
from connectors.media import IMAGE_TYPES, MediaPolicy, fetch_media, origin_entry
from connectors.twitter.client import TWEEPY_HOST, make_client, mapped_errors
from connectors.twitter.parse import CHANNEL
from connectors.twitter.poll import MENTIONS_REACH, TwitterPoller
from connectors.twitter.reply import MAX_CHARS, TwitterReplySender

__all__ = [
    "CHANNEL",
    "LIMITS",
    "TwitterPoller",
    "TwitterReplySender",
    "build_media_fetcher",
    "build_poller",
    "build_reply_sender",
    "check_credentials",
]

#: Where X serves photos and video stills (https://docs.x.com/x-api/fundamentals/media).
MEDIA_HOSTS = ("pbs.twimg.com", "video.twimg.com")


@dataclass(frozen=True)
class Limits:
    """What the channel allows, as data."""

    max_text_chars: int = MAX_CHARS
    media_types: frozenset[str] = IMAGE_TYPES
    max_media_bytes: int = 5_000_000
    reply_window_s: float | None = None
    mentions_reach: int = MENTIONS_REACH


LIMITS = Limits()


def build_poller(settings: Settings) -> TwitterPoller | None:
    """The mentions poller, or None while no bearer token is set."""
    tw = settings.twitter
    return TwitterPoller(tw) if tw.bearer_token is not None else None


def build_reply_sender(settings: Settings) -> TwitterReplySender | None:
    """The reply sender, or None while the OAuth 1.0a access token is unset."""
    tw = settings.twitter
    return TwitterReplySender(tw) if tw.access_token else None


def build_media_fetcher(settings: Settings) -> Callable[[MediaRef], tuple[bytes, str]] | None:
    """Downloads tweet photos from X's media hosts only."""
    tw = settings.twitter
    trusted = () if tw.api_base_url.rstrip("/") == TWEEPY_HOST else (origin_entry(tw.api_base_url),)
    policy = MediaPolicy(
        allowed_hosts=MEDIA_HOSTS + trusted,
        trusted_hosts=trusted,
        max_bytes=tw.max_media_bytes,
        content_types=LIMITS.media_types,
        timeout_s=tw.timeout_s,
    )
    return lambda ref: fetch_media(ref.url, policy)


def check_credentials(settings: Settings) -> str:
    """Read-only: look the configured account up with the bearer token."""
    tw = settings.twitter
    if tw.bearer_token is None:
        raise BadConfig("INTAKE_TWITTER__BEARER_TOKEN", "not set")
    if not tw.user_id.isdigit():
        raise BadConfig("INTAKE_TWITTER__USER_ID", "must be numeric")
    with mapped_errors("user lookup"):
        found = make_client(tw).get_user(id=tw.user_id)
    user = found.get("data") or {}
    if not user:
        raise AuthFailed("user lookup returned nothing")
    return f"OK: @{user.get('username')} (id {tw.user_id})"
