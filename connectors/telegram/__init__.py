"""Telegram bot: webhook (secret token) or polling (getUpdates offset), replies through the bot."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter

from config.settings import Settings, TelegramSettings
from connectors import abuse
from connectors.contract import BadConfig, MediaRef
from connectors.media import IMAGE_TYPES, MediaPolicy, MediaRefused, fetch_media, origin_entry
from connectors.telegram.bot import BotRunner
from connectors.telegram.parse import CHANNEL, FILE_SCHEME
from connectors.telegram.poll import TelegramPoller
from connectors.telegram.reply import MAX_TEXT, TelegramReplySender


@dataclass(frozen=True)
class Limits:
    """What the Bot API allows, as data."""

    max_text: int = MAX_TEXT
    max_download_bytes: int = 20_000_000  # getFile: files up to 20 MB
    media_types: frozenset[str] = IMAGE_TYPES
    reply_window_h: float | None = None  # a bot may write to a chat that started it, any time


LIMITS = Limits()
_runners: dict[str, BotRunner] = {}
_runners_lock = threading.Lock()


def runner(settings: TelegramSettings) -> BotRunner:
    """One BotRunner per bot token and API base URL in this process."""
    key = (
        f"{settings.base_url}|{settings.bot_token.get_secret_value() if settings.bot_token else ''}"
    )
    with _runners_lock:
        if key not in _runners:
            _runners[key] = BotRunner(settings)
        return _runners[key]


def build_router(settings: Settings) -> APIRouter | None:
    """Webhook route in webhook mode; None while INTAKE_TELEGRAM__WEBHOOK_SECRET is unset."""
    from connectors.telegram.webhook import build_router as _build  # noqa: PLC0415

    return _build(settings)


def build_reply_sender(settings: Settings) -> TelegramReplySender | None:
    """Reply sender; None while the bot token is unset."""
    if settings.telegram.bot_token is None:
        return None
    return TelegramReplySender(runner(settings.telegram))


def build_poller(settings: Settings) -> TelegramPoller | None:
    """The getUpdates poller in polling mode; None in webhook mode or without a token."""
    tg = settings.telegram
    if tg.mode != "polling" or tg.bot_token is None:
        return None
    limiter = abuse.shared_limiter(settings.redis_url)
    return TelegramPoller(runner(tg), timeout_s=tg.poll_timeout_s, limiter=limiter)


def build_media_fetcher(settings: Settings) -> Callable[[MediaRef], tuple[bytes, str]] | None:
    """Resolves a file id with getFile and downloads it from the Bot API file host."""
    tg = settings.telegram
    if tg.bot_token is None:
        return None
    file_host = origin_entry(tg.base_file_url)  # host:port off the default port
    policy = MediaPolicy(
        allowed_hosts=("api.telegram.org",),
        trusted_hosts=() if file_host == "api.telegram.org" else (file_host,),
        max_bytes=min(tg.max_media_bytes, LIMITS.max_download_bytes),
        content_types=LIMITS.media_types,
    )
    bot = runner(tg)

    def fetch(ref: MediaRef) -> tuple[bytes, str]:
        if not ref.url.startswith(FILE_SCHEME):
            raise MediaRefused("not a Telegram file id")
        if ref.size and ref.size > policy.max_bytes:
            raise MediaRefused(f"media larger than {policy.max_bytes} bytes")
        file = bot.call(lambda b: b.get_file(ref.url.removeprefix(FILE_SCHEME)))
        # The file URL carries the bot token in its path (Bot API "getFile"): never logged.
        return fetch_media(str(file.file_path), policy)

    return fetch


def check_credentials(settings: Settings) -> str:
    """getMe: proves the token (read-only)."""
    if settings.telegram.bot_token is None:
        raise BadConfig("INTAKE_TELEGRAM__BOT_TOKEN", "not set; Telegram channel disabled")
    me = runner(settings.telegram).call(lambda bot: bot.get_me())
    return f"telegram bot @{me.username}"


__all__ = [
    "CHANNEL",
    "LIMITS",
    "build_media_fetcher",
    "build_poller",
    "build_reply_sender",
    "build_router",
    "check_credentials",
]
