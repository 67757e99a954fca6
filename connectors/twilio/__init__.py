"""SMS and WhatsApp through Twilio (the 08111272206 line): webhook in, REST API out."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from fastapi import APIRouter

from config.settings import Settings
from connectors.contract import BadConfig, MediaRef
from connectors.media import IMAGE_TYPES, MediaPolicy, MediaRefused, fetch_media, origin_entry
from connectors.twilio.parse import CHANNEL
from connectors.twilio.reply import TwilioReplySender


@dataclass(frozen=True)
class Limits:
    """What Twilio and WhatsApp allow, as data."""

    max_text: int = 1600
    max_media_per_message: int = 10
    media_types: frozenset[str] = IMAGE_TYPES
    reply_window_h: float = 24.0  # WhatsApp customer service window; SMS has none


LIMITS = Limits()

# Twilio media URLs redirect to a short-lived signed URL on its CDN (mms.twiliocdn.com); the
# credentials must go to the API host only (chatwoot/chatwoot#15464, Abilityai/trinity#1932).
MEDIA_HOSTS = ("api.twilio.com", "mms.twiliocdn.com", ".twiliocdn.com")


def build_router(settings: Settings) -> APIRouter | None:
    """Webhook route; None (disabled) while the auth token is unset."""
    from connectors.twilio.webhook import build_router as _build  # noqa: PLC0415

    return _build(settings)


def build_reply_sender(settings: Settings) -> TwilioReplySender | None:
    """Reply sender; None while account SID or auth token is unset."""
    if not settings.twilio.account_sid or settings.twilio.auth_token is None:
        return None
    return TwilioReplySender(settings.twilio)


def _media_path(account_sid: str) -> re.Pattern[str]:
    return re.compile(rf"^/2010-04-01/Accounts/{re.escape(account_sid)}/Messages/\w+/Media/\w+$")


def build_media_fetcher(settings: Settings) -> Callable[[MediaRef], tuple[bytes, str]] | None:
    """Downloads MediaUrlN with the account credentials, only from Twilio's hosts."""
    tw = settings.twilio
    if not tw.account_sid or tw.auth_token is None:
        return None
    api_host = urlsplit(tw.api_base_url).hostname or "api.twilio.com"
    api_origin = origin_entry(tw.api_base_url) if urlsplit(tw.api_base_url).hostname else api_host
    policy = MediaPolicy(
        allowed_hosts=MEDIA_HOSTS,
        trusted_hosts=() if api_origin == "api.twilio.com" else (api_origin,),
        credential_hosts=(api_origin,),
        max_bytes=tw.max_media_bytes,
        content_types=LIMITS.media_types,
        auth=(tw.account_sid, tw.auth_token.get_secret_value()),
    )
    path = _media_path(tw.account_sid)

    def fetch(ref: MediaRef) -> tuple[bytes, str]:
        parts = urlsplit(ref.url)
        # A MediaUrl must be this account's media resource on the API host: nothing else
        # ever receives the account credentials.
        if parts.hostname != api_host or not path.match(parts.path):
            raise MediaRefused("not a Twilio media URL of this account")
        return fetch_media(ref.url, policy)

    return fetch


def check_credentials(settings: Settings) -> str:
    """Fetch the account record (read-only)."""
    sender = build_reply_sender(settings)
    if sender is None:
        raise BadConfig("INTAKE_TWILIO__AUTH_TOKEN", "not set; Twilio channel disabled")
    return sender.check()


__all__ = [
    "CHANNEL",
    "LIMITS",
    "build_media_fetcher",
    "build_reply_sender",
    "build_router",
    "check_credentials",
]
