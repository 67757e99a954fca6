"""Replies over Twilio's REST API: SMS, WhatsApp in the 24-hour window, template or SMS outside."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from config.settings import TwilioSettings
from connectors.contract import (
    AuthFailed,
    BadConfig,
    ConnectorError,
    OutboundReply,
    SendResult,
    TemporarilyUnavailable,
)
from connectors.media import retry_after_seconds
from connectors.twilio.parse import WHATSAPP_PREFIX

# WhatsApp lets a business send free-form messages only within 24 hours of the user's last
# message; later, only approved templates (https://www.twilio.com/docs/whatsapp/key-concepts
# "customer service window").
WHATSAPP_WINDOW = timedelta(hours=24)
MAX_BODY = 1600  # Twilio's Body limit; longer SMS are refused (error 21617)


class OutsideWindow(ConnectorError):
    """WhatsApp's 24-hour window is closed and no fallback is configured."""


@dataclass(frozen=True)
class Route:
    """How one reply goes out: which sender, which recipient, free text or a template."""

    sender: str
    recipient: str
    template_sid: str = ""


def _in_window(context: dict[str, Any], now: datetime) -> bool:
    stamp = context.get("last_inbound_at")
    if not stamp:
        return False
    last = datetime.fromisoformat(str(stamp))
    last = last if last.tzinfo else last.replace(tzinfo=UTC)
    return now - last < WHATSAPP_WINDOW


def choose_route(reply: OutboundReply, settings: TwilioSettings, now: datetime) -> Route:
    """Pick SMS, free WhatsApp, a WhatsApp template or SMS fallback (pure)."""
    context = reply.reply_context
    recipient = str(context.get("to") or reply.recipient)
    if not recipient.startswith(WHATSAPP_PREFIX):
        sender = str(context.get("from") or settings.sms_from)
        return Route(sender=sender, recipient=recipient)
    wa_from = str(context.get("from") or settings.whatsapp_from)
    if _in_window(context, now):
        return Route(sender=wa_from, recipient=recipient)
    if settings.whatsapp_fallback == "template" and settings.whatsapp_template_sid:
        return Route(
            sender=wa_from, recipient=recipient, template_sid=settings.whatsapp_template_sid
        )
    if settings.whatsapp_fallback == "sms" and settings.sms_from:
        return Route(sender=settings.sms_from, recipient=recipient.removeprefix(WHATSAPP_PREFIX))
    raise OutsideWindow("WhatsApp 24-hour window closed; no template or SMS fallback configured")


def fit(text: str, limit: int = MAX_BODY) -> str:
    """Cut text to the provider limit at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 3].rsplit(" ", 1)[0]
    return cut + "..."  # ASCII: "…" is outside GSM-7 and would make every SMS segment UCS-2


class _KeepHeaders(TwilioHttpClient):
    """Twilio's HTTP client, remembering the last response headers (Retry-After) per thread."""

    def __init__(self, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.local = threading.local()

    def request(self, *args: Any, **kwargs: Any) -> Any:
        response = super().request(*args, **kwargs)
        self.local.headers = dict(response.headers or {})
        return response


def map_error(exc: TwilioRestException, headers: dict[str, str]) -> ConnectorError:
    """Twilio REST errors -> the four connector errors."""
    status = int(exc.status or 0)
    detail = f"twilio HTTP {status} code {exc.code}"
    if status in (401, 403):
        return AuthFailed(detail)
    if status == 429 or status >= 500:
        return TemporarilyUnavailable(detail, retry_after=retry_after_seconds(headers))
    return ConnectorError(detail)


class TwilioReplySender:
    """Sends replies through twilio.rest.Client against api_base_url (a fake in tests)."""

    channel: ClassVar[str] = "twilio"

    def __init__(self, settings: TwilioSettings, timeout_s: float = 10.0) -> None:
        if not settings.account_sid or settings.auth_token is None:
            raise BadConfig("INTAKE_TWILIO__ACCOUNT_SID", "account SID and auth token required")
        self.settings = settings
        self._http = _KeepHeaders(timeout=timeout_s)
        self.client = Client(
            settings.account_sid, settings.auth_token.get_secret_value(), http_client=self._http
        )
        self.client.api.base_url = settings.api_base_url.rstrip("/")

    def send(self, reply: OutboundReply, now: datetime | None = None) -> SendResult:
        """Create one Message; raise a connector error the outbox understands."""
        route = choose_route(reply, self.settings, now or datetime.now(UTC))
        params: dict[str, Any] = {"to": route.recipient, "from_": route.sender}
        if route.template_sid:
            params |= {
                "content_sid": route.template_sid,
                "content_variables": json.dumps({"1": fit(reply.text, 1024)}),
            }
        else:
            params["body"] = fit(reply.text)
        try:
            message = self.client.messages.create(**params)
        except TwilioRestException as exc:
            raise map_error(exc, getattr(self._http.local, "headers", {})) from exc
        except requests.RequestException as exc:
            raise TemporarilyUnavailable(f"twilio unreachable: {type(exc).__name__}") from exc
        return SendResult(provider_message_id=str(message.sid))

    def check(self) -> str:
        """Read the account record (read-only) to prove the credentials work."""
        try:
            account = self.client.api.accounts(self.settings.account_sid).fetch()
        except TwilioRestException as exc:
            raise map_error(exc, getattr(self._http.local, "headers", {})) from exc
        except requests.RequestException as exc:
            raise TemporarilyUnavailable(f"twilio unreachable: {type(exc).__name__}") from exc
        return f"twilio account {account.status}"
