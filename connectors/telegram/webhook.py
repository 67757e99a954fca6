"""POST /webhooks/telegram: secret token header checked, the update stored once, 200 at once."""

from __future__ import annotations

import hashlib
import hmac
import json

from fastapi import APIRouter, Request, Response

from config.settings import Settings
from connectors import abuse
from connectors.contract import UnsupportedEvent
from connectors.telegram.parse import CHANNEL, parse_update

PATH = "/webhooks/telegram"
# setWebhook(secret_token=...) sends the secret back in this header.
SECRET_HEADER = "x-telegram-bot-api-secret-token"  # noqa: S105 - a header name, not a secret


def _store(body: bytes, limiter: abuse.RateLimiter) -> str:
    """Parse and store one update (runs in a worker thread)."""
    from connectors.intake import store_malformed  # noqa: PLC0415

    try:
        update = json.loads(body)
        msg = parse_update(update)
    except UnsupportedEvent as exc:
        abuse.ignored(CHANNEL, str(exc))
        return "ignored"
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        digest = hashlib.sha256(body).hexdigest()[:32]
        store_malformed(CHANNEL, f"body-{digest}", body, f"unparseable: {exc!r}")
        return "malformed"
    abuse.admit([msg], limiter)
    return "stored"


def build_router(settings: Settings) -> APIRouter | None:
    """The webhook route in webhook mode, or None while the webhook secret is unset."""
    tg = settings.telegram
    if tg.mode != "webhook" or tg.webhook_secret is None:
        return None
    secret = tg.webhook_secret.get_secret_value()
    if not secret:
        return None
    limiter = abuse.shared_limiter(settings.redis_url)
    db_url = settings.effective_database_url
    router = APIRouter()

    @router.post(PATH, include_in_schema=False)
    async def telegram_webhook(request: Request) -> Response:
        """One Update from Telegram."""
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            abuse.REFUSED.labels(CHANNEL, "bad_secret").inc()
            return Response("forbidden", status_code=403)
        try:
            body = await abuse.read_body(request, CHANNEL)
        except abuse.PayloadTooLarge:
            return Response("too large", status_code=413)
        await abuse.run_store(db_url, _store, body, limiter)
        return Response(status_code=200)

    return router
