"""Polling mode: getUpdates, with the offset as the cursor checkpointed together with the rows."""

from __future__ import annotations

from typing import Any, ClassVar

from connectors import abuse
from connectors.contract import InboundMessage, UnsupportedEvent
from connectors.poll_loop import Malformed
from connectors.telegram.bot import BotRunner
from connectors.telegram.parse import CHANNEL, parse_update

BATCH = 100  # getUpdates limit: 1-100


class TelegramPoller:
    """fetch(cursor) -> (messages, {"offset": last update_id + 1})."""

    channel: ClassVar[str] = CHANNEL

    def __init__(
        self, runner: BotRunner, timeout_s: int = 25, limiter: abuse.RateLimiter | None = None
    ) -> None:
        self.runner, self.timeout_s = runner, timeout_s
        self.limiter = limiter or abuse.shared_limiter()
        self._malformed: list[Malformed] = []
        self.note = ""

    def hold_reason(self, msg: InboundMessage) -> str:
        """The same per-sender limit as the webhook: "rate_limited" when over it, else ""."""
        decision = self.limiter.check(msg.channel, msg.sender.handle)
        if decision.allowed:
            return ""
        abuse.RATE_LIMITED.labels(msg.channel).inc()
        return "rate_limited"

    def fetch(self, cursor: dict[str, Any] | None) -> tuple[list[InboundMessage], dict[str, Any]]:
        """Long-poll for updates after the cursor's offset."""
        offset = int((cursor or {}).get("offset") or 0) or None
        # Telegram confirms (forgets) updates only when getUpdates is called with a higher
        # offset (https://core.telegram.org/bots/api#getupdates); the offset is saved with the
        # rows, so a crash before the save refetches the same updates and stores nothing twice.
        updates = self.runner.call(
            lambda bot: bot.get_updates(
                offset=offset, limit=BATCH, timeout=self.timeout_s, allowed_updates=["message"]
            ),
            timeout=self.timeout_s + 30,
        )
        msgs: list[InboundMessage] = []
        for update in updates:
            raw = update.to_dict()
            try:
                msgs.append(parse_update(raw))
            except UnsupportedEvent as exc:
                abuse.ignored(CHANNEL, str(exc))
            except (KeyError, TypeError, ValueError) as exc:
                self._malformed.append(Malformed(f"update-{update.update_id}", raw, repr(exc)))
        new_offset = max((u.update_id for u in updates), default=(offset or 1) - 1) + 1
        self.note = f"{len(updates)} updates"
        return msgs, ({"offset": new_offset} if updates or offset else {})

    def take_malformed(self) -> list[Malformed]:
        """Updates that could not be parsed since the last call (the loop stores them)."""
        taken, self._malformed = self._malformed, []
        return taken
