"""Replies through the Graph API with httpx: Messenger Send API and comment replies."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from config.settings import MetaSettings
from connectors.contract import (
    AuthFailed,
    BadConfig,
    ConnectorError,
    OutboundReply,
    SendResult,
    TemporarilyUnavailable,
)
from connectors.media import retry_after_seconds

# Standard messaging window (https://developers.facebook.com/docs/messenger-platform/policy/):
# later messages need messaging_type=MESSAGE_TAG and an allowed tag.
MESSENGER_WINDOW = timedelta(hours=24)
MAX_MESSENGER_TEXT = 2000  # Send API: text must be UTF-8 and under 2000 characters
MAX_COMMENT_TEXT = 8000
# Graph API error codes that mean "slow down / try later" (Graph API "Handling Errors" and
# "Rate Limiting": 4 app, 17 user, 32 page, 613 calls exceeded, 80001-80009 BUC limits; 1/2 are
# transient server errors).
_THROTTLED = frozenset({1, 2, 4, 17, 32, 341, 613, *range(80001, 80010)})
_AUTH = frozenset({10, 102, 190, 200, 283})  # token expired/invalid, permission missing


class OutsideWindow(ConnectorError):
    """Messenger's 24-hour window is closed and no message tag is configured."""


def graph_error(resp: httpx.Response) -> ConnectorError:
    """A Graph API error response -> one of the connector errors."""
    try:
        error = resp.json().get("error") or {}
    except ValueError:
        error = {}
    code = int(error.get("code") or 0)
    detail = f"graph HTTP {resp.status_code} code {code} subcode {error.get('error_subcode')}"
    if (
        resp.status_code == 429
        or resp.status_code >= 500
        or code in _THROTTLED
        or error.get("is_transient")
    ):
        return TemporarilyUnavailable(detail, retry_after=retry_after_seconds(resp.headers))
    if resp.status_code == 401 or code in _AUTH:
        return AuthFailed(detail)
    return ConnectorError(detail)


def in_window(context: dict[str, Any], now: datetime) -> bool:
    """True while the citizen's last Messenger message is under 24 hours old."""
    stamp = context.get("last_inbound_at")
    if not stamp:
        return False
    last = datetime.fromisoformat(str(stamp))
    return now - (last if last.tzinfo else last.replace(tzinfo=UTC)) < MESSENGER_WINDOW


def messenger_body(reply: OutboundReply, tag: str, now: datetime) -> dict[str, Any]:
    """The Send API request body for a reply (pure)."""
    psid = str(reply.reply_context.get("psid") or reply.recipient)
    body: dict[str, Any] = {
        "recipient": {"id": psid},
        "message": {"text": reply.text[:MAX_MESSENGER_TEXT]},
    }
    if in_window(reply.reply_context, now):
        return body | {"messaging_type": "RESPONSE"}
    if not tag:
        raise OutsideWindow("Messenger 24-hour window closed and INTAKE_META__MESSENGER_TAG empty")
    return body | {"messaging_type": "MESSAGE_TAG", "tag": tag}


class MetaReplySender:
    """Sends Messenger replies and comment replies as the page."""

    channel: ClassVar[str] = "facebook"

    def __init__(self, settings: MetaSettings, client: httpx.Client | None = None) -> None:
        if settings.page_access_token is None:
            raise BadConfig("INTAKE_META__PAGE_ACCESS_TOKEN", "required to reply")
        self.settings = settings
        base = f"{settings.graph_base_url.rstrip('/')}/{settings.graph_version}"
        self.client = client or httpx.Client(base_url=base, timeout=10.0)

    def _auth_params(self) -> dict[str, str]:
        token = self.settings.page_access_token.get_secret_value()  # type: ignore[union-attr]
        params = {"access_token": token}
        if self.settings.app_secret is not None:
            # appsecret_proof: HMAC-SHA256 of the token with the app secret (Graph API "Securing
            # Requests"); a leaked token alone cannot then be used from elsewhere.
            secret = self.settings.app_secret.get_secret_value().encode()
            params["appsecret_proof"] = hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()
        return params

    def _post(self, path: str, json: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = self.client.post(path, params=self._auth_params(), json=json)
        except httpx.TransportError as exc:
            raise TemporarilyUnavailable(f"graph unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 400:
            raise graph_error(resp)
        return dict(resp.json())

    def send(self, reply: OutboundReply, now: datetime | None = None) -> SendResult:
        """Messenger: Send API; feed: a reply comment under the citizen's comment or post."""
        context = reply.reply_context
        if context.get("transport") == "feed":
            object_id = str(context.get("object_id") or reply.recipient)
            result = self._post(
                f"/{object_id}/comments", {"message": reply.text[:MAX_COMMENT_TEXT]}
            )
            return SendResult(provider_message_id=str(result.get("id", "")))
        body = messenger_body(reply, self.settings.messenger_tag, now or datetime.now(UTC))
        page = self.settings.page_id or "me"
        result = self._post(f"/{page}/messages", body)
        return SendResult(provider_message_id=str(result.get("message_id", "")))

    def check(self) -> str:
        """Read the page behind the token (read-only)."""
        try:
            resp = self.client.get("/me", params=self._auth_params() | {"fields": "id,name"})
        except httpx.TransportError as exc:
            raise TemporarilyUnavailable(f"graph unreachable: {type(exc).__name__}") from exc
        if resp.status_code >= 400:
            raise graph_error(resp)
        return f"facebook page {resp.json().get('id')}"
