"""POST /webhooks/twilio: verify X-Twilio-Signature, store each message once, answer empty TwiML."""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request, Response
from starlette.datastructures import ImmutableMultiDict
from twilio.request_validator import RequestValidator

from config.settings import Settings
from connectors import abuse
from connectors.contract import UnsupportedEvent
from connectors.twilio.parse import CHANNEL, parse_form

# Twilio waits up to 15 s for the reply and retries nothing on 2xx; an empty <Response/> tells it
# not to send anything itself (replies go through the outbox and the REST API instead).
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
PATH = "/webhooks/twilio"


def signed_url(public_url: str, request_url: str, query: str) -> str:
    """The URL Twilio signed: the configured public URL (behind a proxy), plus any query."""
    if not public_url:
        return request_url
    return public_url + (f"?{query}" if query and "?" not in public_url else "")


def _twiml(status: int = 200) -> Response:
    return Response(EMPTY_TWIML, status_code=status, media_type="text/xml")


def _store(form: ImmutableMultiDict[str, str], raw: bytes, limiter: abuse.RateLimiter) -> str:
    """Parse and hand to the sink (runs in a worker thread: the insert is blocking I/O)."""
    try:
        msg = parse_form(form)
    except UnsupportedEvent as exc:
        abuse.ignored(CHANNEL, str(exc))
        return "ignored"
    except (ValueError, TypeError) as exc:
        from connectors.intake import store_malformed  # noqa: PLC0415

        store_malformed(CHANNEL, form.get("MessageSid", ""), raw, f"unparseable: {exc}")
        return "malformed"
    ack = abuse.admit([msg], limiter)[0]
    return "stored" if ack.created else "redelivered"


def build_router(settings: Settings) -> APIRouter | None:
    """The Twilio webhook route, or None while INTAKE_TWILIO__AUTH_TOKEN is unset."""
    token = settings.twilio.auth_token
    if token is None or not token.get_secret_value():
        return None
    validator = RequestValidator(token.get_secret_value())
    limiter = abuse.shared_limiter(settings.redis_url)
    db_url = settings.effective_database_url
    public_url = settings.twilio.public_url
    router = APIRouter()

    @router.post(PATH, include_in_schema=False)
    async def twilio_webhook(request: Request) -> Response:
        """One incoming SMS or WhatsApp message."""
        try:
            raw = await abuse.read_body(request, CHANNEL)
        except abuse.PayloadTooLarge:
            return _twiml(413)
        form = ImmutableMultiDict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        url = signed_url(public_url, str(request.url), request.url.query)
        signature = request.headers.get("x-twilio-signature", "")
        if not signature or not validator.validate(url, form, signature):
            abuse.REFUSED.labels(CHANNEL, "bad_signature").inc()
            return Response("forbidden", status_code=403)
        await abuse.run_store(db_url, _store, form, raw, limiter)
        return _twiml()

    return router
