"""Replies to walk-in citizens: SMS through Twilio or e-mail over SMTP, only with consent."""

from __future__ import annotations

from typing import ClassVar

from config.settings import Settings
from connectors.contract import (
    BadConfig,
    OutboundReply,
    ReplySender,
    SendResult,
    UnsupportedEvent,
)


class NoContact(UnsupportedEvent):
    """The citizen left no contact (anonymous, or no consent): their copy is the receipt."""


class WalkinReplySender:
    """Routes a walk-in reply to the citizen's phone (SMS) or e-mail, as the desk recorded."""

    channel: ClassVar[str] = "walkin"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _sms(self) -> ReplySender:
        from connectors.twilio.reply import TwilioReplySender  # noqa: PLC0415 (optional channel)

        if not self.settings.twilio.sms_from:
            raise BadConfig("INTAKE_TWILIO__SMS_FROM", "needed to text walk-in citizens")
        return TwilioReplySender(self.settings.twilio)

    def _email(self) -> ReplySender:
        from connectors.email.reply import EmailReplySender  # noqa: PLC0415 (optional channel)

        return EmailReplySender(self.settings.email)

    def route(self, reply: OutboundReply) -> ReplySender:
        """The sender for this reply's recorded route; NoContact when there is none."""
        via = reply.reply_context.get("via")
        if not reply.recipient or via not in {"sms", "email"}:
            raise NoContact("walk-in citizen gave no contact; the printed receipt is their copy")
        return self._sms() if via == "sms" else self._email()

    def send(self, reply: OutboundReply) -> SendResult:
        """Send through Twilio SMS or SMTP; their errors pass through unchanged."""
        # Twilio's SMS route is chosen by a recipient without the "whatsapp:" prefix
        # (connectors/twilio/reply.choose_route); SMTP threads on reply_context["subject"].
        return self.route(reply).send(reply)
