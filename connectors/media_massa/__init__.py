"""Aspirasi Publik Media Massa: Jakarta complaints found in news feeds, always for admin review."""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Settings
from connectors.media import fetch_media
from connectors.media_massa.parse import CHANNEL, parse_feed
from connectors.media_massa.poll import MediaMassaPoller

__all__ = ["CHANNEL", "LIMITS", "MediaMassaPoller", "build_poller", "check_credentials"]


@dataclass(frozen=True)
class Limits:
    """What the channel carries, as data: article text and link; nobody to reply to."""

    max_text_chars: int = 8000
    media_types: frozenset[str] = frozenset()
    can_reply: bool = False  # news articles are never answered; admins review them


LIMITS = Limits()


def build_poller(settings: Settings) -> MediaMassaPoller | None:
    """The feed poller, or None while INTAKE_MEDIA_MASSA__FEEDS is empty."""
    return MediaMassaPoller(settings.media_massa) if settings.media_massa.feeds else None


def check_credentials(settings: Settings) -> str:
    """Read every configured feed once (no credentials involved; checks reachability)."""
    poller = MediaMassaPoller(settings.media_massa)
    counts = []
    for url in settings.media_massa.feeds:
        body, _ = fetch_media(url, poller._feed_policy)
        outlet, entries = parse_feed(body)
        counts.append(f"{outlet or url}: {len(entries)}")
    return "OK: " + ", ".join(counts)
