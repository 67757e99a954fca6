"""GET/POST /webhooks/meta: verification handshake, X-Hub-Signature-256 check, store messages."""

from __future__ import annotations

import hashlib
import hmac
import json

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from config.settings import Settings
from connectors import abuse
from connectors.facebook.parse import CHANNEL, Parsed, parse_payload

PATH = "/webhooks/meta"


def valid_signature(app_secret: bytes, body: bytes, header: str) -> bool:
    """X-Hub-Signature-256 is 'sha256=' + hex HMAC-SHA256 of the raw body with the app secret."""
    # https://developers.facebook.com/docs/graph-api/webhooks/getting-started#validate-payloads
    if not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def verify_handshake(params: dict[str, str], verify_token: str) -> str | None:
    """The hub.challenge to echo when mode and token match, else None."""
    if params.get("hub.mode") != "subscribe":
        return None
    if not hmac.compare_digest(params.get("hub.verify_token", ""), verify_token):
        return None
    return params.get("hub.challenge", "")


def _store(body: bytes, limiter: abuse.RateLimiter) -> int:
    """Parse and store (runs in a worker thread); returns how many messages were handed over."""
    from connectors.intake import store_malformed  # noqa: PLC0415

    digest = hashlib.sha256(body).hexdigest()[:32]
    try:
        parsed: Parsed = parse_payload(json.loads(body))
    except ValueError as exc:  # JSONDecodeError is a ValueError
        store_malformed(CHANNEL, f"body-{digest}", body, f"unparseable: {exc}")
        return 0
    for reason in parsed.ignored:
        abuse.ignored(CHANNEL, reason)
    for n, (event, error) in enumerate(parsed.malformed):
        store_malformed(CHANNEL, f"event-{digest}-{n}", event, error)
    abuse.admit(parsed.messages, limiter)
    return len(parsed.messages)


def build_router(settings: Settings) -> APIRouter | None:
    """Meta webhook routes, or None while the app secret or verify token is unset."""
    meta = settings.meta
    if meta.app_secret is None or meta.verify_token is None:
        return None
    secret = meta.app_secret.get_secret_value().encode()
    verify_token = meta.verify_token.get_secret_value()
    if not secret or not verify_token:
        return None
    limiter = abuse.shared_limiter(settings.redis_url)
    db_url = settings.effective_database_url
    router = APIRouter()

    @router.get(PATH, include_in_schema=False)
    def meta_verify(request: Request) -> Response:
        """Meta's subscription handshake: echo hub.challenge when the verify token matches."""
        challenge = verify_handshake(dict(request.query_params), verify_token)
        if challenge is None:
            return Response("forbidden", status_code=403)
        return PlainTextResponse(challenge)

    @router.post(PATH, include_in_schema=False)
    async def meta_webhook(request: Request) -> Response:
        """A batch of page events (Messenger messages, feed changes)."""
        try:
            body = await abuse.read_body(request, CHANNEL)
        except abuse.PayloadTooLarge:
            return Response("too large", status_code=413)
        if not valid_signature(secret, body, request.headers.get("x-hub-signature-256", "")):
            abuse.REFUSED.labels(CHANNEL, "bad_signature").inc()
            return Response("forbidden", status_code=403)
        await abuse.run_store(db_url, _store, body, limiter)
        return PlainTextResponse("EVENT_RECEIVED")

    return router
