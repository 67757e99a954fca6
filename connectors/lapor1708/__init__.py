"""SMS LAPOR 1708 / SP4N-LAPOR!: a partner JSON feed poller and the admins' CSV/XLSX importer."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from config.settings import Settings
from connectors.lapor1708.importer import ImportResult, import_file, parse_file
from connectors.lapor1708.parse import CHANNEL
from connectors.lapor1708.poll import LaporFeedPoller

__all__ = [
    "CHANNEL",
    "LIMITS",
    "ImportResult",
    "LaporFeedPoller",
    "build_poller",
    "check_credentials",
    "import_file",
    "parse_file",
]


@dataclass(frozen=True)
class Limits:
    """What the channel carries, as data: text only, and no replies from us."""

    max_text_chars: int = 20_000
    media_types: frozenset[str] = frozenset()
    # Citizens hear back inside LAPOR! itself (the instansi answers there), never from us.
    can_reply: bool = False


LIMITS = Limits()


def build_poller(settings: Settings) -> LaporFeedPoller | None:
    """The feed poller, or None while INTAKE_LAPOR1708__FEED_URL is unset."""
    lapor = settings.lapor1708
    return LaporFeedPoller(lapor) if lapor.feed_url else None


def check_credentials(settings: Settings) -> str:
    """Read one page of the feed (read-only) with the configured token."""
    poller = LaporFeedPoller(settings.lapor1708, httpx.Client(timeout=settings.lapor1708.timeout_s))
    msgs, cursor = poller.fetch(None)
    return f"OK: LAPOR feed answered with {len(msgs)} report(s)"
