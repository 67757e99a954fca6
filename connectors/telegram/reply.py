"""Replies through the bot (sendMessage), in the citizen's private chat."""

from __future__ import annotations

from typing import ClassVar

from telegram import ReplyParameters

from connectors.contract import OutboundReply, SendResult
from connectors.telegram.bot import BotRunner

MAX_TEXT = 4096  # sendMessage: 1-4096 characters after entity parsing


class TelegramReplySender:
    """Sends text replies; quotes the citizen's message when it still exists."""

    channel: ClassVar[str] = "telegram"

    def __init__(self, runner: BotRunner) -> None:
        self.runner = runner

    def send(self, reply: OutboundReply) -> SendResult:
        """sendMessage to the chat the report came from."""
        chat_id = reply.reply_context.get("chat_id") or reply.recipient
        quoted = reply.reply_context.get("message_id")
        # allow_sending_without_reply: a deleted original must not block the confirmation.
        params = (
            ReplyParameters(message_id=int(quoted), allow_sending_without_reply=True)
            if quoted
            else None
        )
        message = self.runner.call(
            lambda bot: bot.send_message(
                chat_id=chat_id, text=reply.text[:MAX_TEXT], reply_parameters=params
            )
        )
        return SendResult(provider_message_id=f"{chat_id}:{message.message_id}")
