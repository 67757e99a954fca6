"""Facebook page (Pemprov DKI Jakarta) and Messenger: Meta webhooks in, Graph API out (httpx)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from config.settings import Settings
from connectors.contract import BadConfig, MediaRef
from connectors.facebook.parse import CHANNEL
from connectors.facebook.reply import MAX_COMMENT_TEXT, MAX_MESSENGER_TEXT, MetaReplySender
from connectors.media import IMAGE_TYPES, MediaPolicy, fetch_media, origin_entry


@dataclass(frozen=True)
class Limits:
    """What Messenger and page comments allow, as data."""

    max_text: int = MAX_MESSENGER_TEXT
    max_comment_text: int = MAX_COMMENT_TEXT
    media_types: frozenset[str] = IMAGE_TYPES
    reply_window_h: float = 24.0  # Messenger standard messaging window; then a message tag


LIMITS = Limits()

# Messenger attachment URLs point at Meta's CDNs (scontent-*.xx.fbcdn.net, lookaside.fbsbx.com).
MEDIA_HOSTS = (".fbcdn.net", ".fbsbx.com", "fbcdn.net")


def build_router(settings: Settings) -> APIRouter | None:
    """Webhook routes; None (disabled) while app secret or verify token is unset."""
    from connectors.facebook.webhook import build_router as _build  # noqa: PLC0415

    return _build(settings)


def build_reply_sender(settings: Settings) -> MetaReplySender | None:
    """Reply sender; None while the page access token is unset."""
    if settings.meta.page_access_token is None:
        return None
    return MetaReplySender(settings.meta)


def build_media_fetcher(settings: Settings) -> Callable[[MediaRef], tuple[bytes, str]] | None:
    """Downloads attachment URLs from Meta's CDN hosts only (they are signed; no credentials)."""
    graph_host = origin_entry(settings.meta.graph_base_url)  # host:port off the default port
    policy = MediaPolicy(
        allowed_hosts=MEDIA_HOSTS,
        trusted_hosts=() if graph_host == "graph.facebook.com" else (graph_host,),
        max_bytes=settings.meta.max_media_bytes,
        content_types=LIMITS.media_types,
    )
    return lambda ref: fetch_media(ref.url, policy)


def check_credentials(settings: Settings) -> str:
    """Read the page behind the access token."""
    sender = build_reply_sender(settings)
    if sender is None:
        raise BadConfig("INTAKE_META__PAGE_ACCESS_TOKEN", "not set; Facebook replies disabled")
    return sender.check()


__all__ = [
    "CHANNEL",
    "LIMITS",
    "build_media_fetcher",
    "build_reply_sender",
    "build_router",
    "check_credentials",
]
