"""python-telegram-bot's async Bot, driven from sync code on one private event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from telegram import Bot
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from config.settings import TelegramSettings
from connectors.contract import AuthFailed, BadConfig, ConnectorError, TemporarilyUnavailable

T = TypeVar("T")


def map_error(exc: TelegramError) -> ConnectorError:
    """python-telegram-bot errors -> the four connector errors (order matters: subclasses)."""
    if isinstance(exc, RetryAfter):
        # Bot API 429: "parameters.retry_after" seconds (https://core.telegram.org/bots/api#responseparameters)
        wait = exc._retry_after  # a timedelta; the public property warns about int/timedelta
        seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
        return TemporarilyUnavailable(f"telegram flood control: {exc}", retry_after=seconds)
    if isinstance(exc, InvalidToken):
        return AuthFailed("telegram bot token refused")
    if isinstance(exc, Conflict):
        return BadConfig("INTAKE_TELEGRAM__MODE", "webhook and polling both active (HTTP 409)")
    if isinstance(exc, Forbidden | BadRequest):
        return ConnectorError(f"telegram refused: {exc.message}")  # e.g. the user blocked the bot
    if isinstance(exc, NetworkError):  # includes TimedOut
        return TemporarilyUnavailable(f"telegram unreachable: {type(exc).__name__}")
    return ConnectorError(f"telegram: {exc}")


class BotRunner:
    """One Bot on one background event loop; sync callers submit coroutines to it."""

    def __init__(self, settings: TelegramSettings) -> None:
        if settings.bot_token is None:
            raise BadConfig("INTAKE_TELEGRAM__BOT_TOKEN", "required")
        self.bot = Bot(
            settings.bot_token.get_secret_value(),
            base_url=settings.base_url,
            base_file_url=settings.base_file_url,
            request=HTTPXRequest(connection_pool_size=8, read_timeout=10.0),
            get_updates_request=HTTPXRequest(read_timeout=10.0),
        )
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, daemon=True, name="telegram-bot-loop"
        )
        self._thread.start()

    def call(self, make: Callable[[Bot], Awaitable[T]], timeout: float = 60.0) -> T:
        """Run make(bot) on the loop and wait; provider errors become connector errors."""

        async def run() -> T:
            return await make(self.bot)

        future = asyncio.run_coroutine_threadsafe(run(), self._loop)
        try:
            return future.result(timeout)
        except TelegramError as exc:
            raise map_error(exc) from exc

    def close(self) -> None:
        """Close the HTTP clients and stop the loop."""
        try:
            self.call(lambda bot: bot.shutdown(), timeout=10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
