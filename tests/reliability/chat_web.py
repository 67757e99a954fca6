"""The real web app (create_app) with Twilio, Meta and Telegram enabled, served by uvicorn.

Payloads are the scrubbed fixtures of tests/fixtures/, each given fresh provider ids so one
test can send many distinct messages, signed exactly as the provider signs them.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from connectors import abuse
from crm_core.serve import ServedApp
from tests.conftest import PipelineEnv, close_env, make_env
from tests.fakes.meta_graph import FakeGraph
from tests.fakes.telegram_bot_api import FakeTelegram
from tests.fakes.twilio_api import FakeTwilio
from web.app import create_app

FIXTURES = Path(__file__).parents[1] / "fixtures"
TWILIO_SID, TWILIO_TOKEN = "AC" + "c" * 32, "twilio-auth-token"
TWILIO_PUBLIC_URL = "https://intake.jakarta.go.id/webhooks/twilio"
META_SECRET, META_VERIFY, META_PAGE, META_TOKEN = "meta-secret", "verify", "150000000000001", "pt"
TELEGRAM_TOKEN, TELEGRAM_SECRET = "7000000002:AAFakeTokenForReliability", "tg-Secret_42"
CHANNELS = ("twilio", "facebook", "telegram")


def _fixture(path: str) -> Any:
    return json.loads((FIXTURES / path).read_text(encoding="utf-8"))


def twilio_form(n: int, body: str = "") -> dict[str, str]:
    """A Twilio SMS webhook form with its own MessageSid and sender."""
    form = _fixture("twilio/sms_text.json")
    sid = f"SM{n:032x}"
    form |= {"MessageSid": sid, "SmsSid": sid, "SmsMessageSid": sid, "AccountSid": TWILIO_SID}
    form["From"] = f"+62812{n:07d}"
    if body:
        form["Body"] = body
    return form


def meta_body(n: int, text: str = "") -> bytes:
    """A Messenger text event with its own mid and sender."""
    payload = _fixture("facebook/messenger_text.json")
    event = payload["entry"][0]["messaging"][0]
    event["sender"]["id"] = str(6900000000000000 + n)
    event["message"]["mid"] = f"m_reliability_{n:08d}"
    event["timestamp"] = int(time.time() * 1000)
    if text:
        event["message"]["text"] = text
    return json.dumps(payload).encode()


def telegram_update(n: int, text: str = "") -> dict[str, Any]:
    """A private /lapor message with its own update_id, message_id and chat."""
    update = copy.deepcopy(_fixture("telegram/lapor_text.json"))
    update["update_id"] = 800000000 + n
    update["message"]["message_id"] = 10000 + n
    update["message"]["from"]["id"] = update["message"]["chat"]["id"] = 510000000 + n
    update["message"]["date"] = int(time.time())
    if text:
        update["message"]["text"] = text
    return update


def twilio_signature(form: dict[str, str], token: str = TWILIO_TOKEN) -> str:
    """X-Twilio-Signature: HMAC-SHA1 over the public URL and the sorted params."""
    return RequestValidator(token).compute_signature(TWILIO_PUBLIC_URL, form)


def meta_signature(body: bytes, secret: str = META_SECRET) -> str:
    """X-Hub-Signature-256: 'sha256=' + HMAC-SHA256 of the raw body with the app secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class ChatWeb:
    """The pipeline, the provider fakes, and an HTTP client on the served app."""

    env: PipelineEnv
    twilio: FakeTwilio
    graph: FakeGraph
    telegram: FakeTelegram
    http: httpx.Client
    url: str

    def post_twilio(self, form: dict[str, str], signature: str | None = None) -> int:
        """POST a form to /webhooks/twilio (signed unless a signature is given)."""
        sig = twilio_signature(form) if signature is None else signature
        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig}
        return self.http.post(
            "/webhooks/twilio", content=urlencode(form), headers=headers
        ).status_code

    def post_meta(self, body: bytes, signature: str | None = None) -> int:
        """POST a raw body to /webhooks/meta (signed unless a signature is given)."""
        sig = meta_signature(body) if signature is None else signature
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sig}
        return self.http.post("/webhooks/meta", content=body, headers=headers).status_code

    def post_telegram(self, update: dict[str, Any] | bytes, secret: str = TELEGRAM_SECRET) -> int:
        """POST an update to /webhooks/telegram with the secret-token header."""
        body = update if isinstance(update, bytes) else json.dumps(update).encode()
        headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": secret}
        return self.http.post("/webhooks/telegram", content=body, headers=headers).status_code


def chat_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stack: ExitStack, **env: str
) -> PipelineEnv:
    """make_env with the three chat channels pointed at fakes entered on `stack`."""
    twilio = stack.enter_context(FakeTwilio(TWILIO_SID, TWILIO_TOKEN))
    graph = stack.enter_context(FakeGraph(META_PAGE, META_TOKEN))
    telegram = stack.enter_context(FakeTelegram(TELEGRAM_TOKEN))
    stack.fakes = (twilio, graph, telegram)  # type: ignore[attr-defined]
    settings = {
        "INTAKE_TWILIO__ACCOUNT_SID": TWILIO_SID,
        "INTAKE_TWILIO__AUTH_TOKEN": TWILIO_TOKEN,
        "INTAKE_TWILIO__PUBLIC_URL": TWILIO_PUBLIC_URL,
        "INTAKE_TWILIO__API_BASE_URL": twilio.base_url,
        "INTAKE_TWILIO__SMS_FROM": "+628111272206",
        "INTAKE_META__APP_SECRET": META_SECRET,
        "INTAKE_META__VERIFY_TOKEN": META_VERIFY,
        "INTAKE_META__PAGE_ACCESS_TOKEN": META_TOKEN,
        "INTAKE_META__PAGE_ID": META_PAGE,
        "INTAKE_META__GRAPH_BASE_URL": graph.base_url,
        "INTAKE_TELEGRAM__BOT_TOKEN": TELEGRAM_TOKEN,
        "INTAKE_TELEGRAM__WEBHOOK_SECRET": TELEGRAM_SECRET,
        "INTAKE_TELEGRAM__BASE_URL": f"{telegram.base_url}/bot",
        "INTAKE_TELEGRAM__BASE_FILE_URL": f"{telegram.base_url}/file/bot",
    }
    return make_env(monkeypatch, tmp_path, **(settings | env))


@contextmanager
def served_chat_web(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str
) -> Iterator[ChatWeb]:
    """The whole web app over real HTTP on a free loopback port, fakes behind it."""
    abuse.reset_shared()
    with ExitStack() as stack:
        pipeline = chat_env(monkeypatch, tmp_path, stack, **env)
        stack.callback(close_env, pipeline)
        served = stack.enter_context(ServedApp(create_app(pipeline.settings)))
        http = stack.enter_context(httpx.Client(base_url=served.url, timeout=30))
        twilio, graph, telegram = stack.fakes  # type: ignore[attr-defined]
        yield ChatWeb(pipeline, twilio, graph, telegram, http, served.url)
