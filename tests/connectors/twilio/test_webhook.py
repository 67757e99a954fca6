"""POST /webhooks/twilio end to end: signature, dedupe, replies via the fake Twilio API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select
from twilio.request_validator import RequestValidator

from config.settings import Settings
from connectors import abuse
from connectors.twilio import build_router
from pipeline import actors
from pipeline.models import InboxMessage, OutboxReply, Report
from tests.conftest import PipelineEnv, close_env, make_env
from tests.fakes.http_fake import Reply
from tests.fakes.twilio_api import FakeTwilio

SID, TOKEN = "AC" + "a" * 32, "test-auth-token"
PUBLIC_URL = "https://intake.jakarta.go.id/webhooks/twilio"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "twilio"


@dataclass
class TwilioEnv:
    env: PipelineEnv
    fake: FakeTwilio
    client: TestClient

    def post(self, form: dict[str, str], signature: str | None = None) -> int:
        sig = signature if signature is not None else sign(form)
        resp = self.client.post(
            "/webhooks/twilio",
            content=urlencode(form),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": sig,
            },
        )
        return resp.status_code

    def rows(self, model: type) -> list:
        with self.env.session() as session:
            return list(session.exec(select(model).order_by(model.id)).all())


def sign(form: dict[str, str], url: str = PUBLIC_URL) -> str:
    return RequestValidator(TOKEN).compute_signature(url, form)


def load(name: str) -> dict[str, str]:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def twilio(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[TwilioEnv]:
    abuse.reset_shared()
    with FakeTwilio(SID, TOKEN) as fake:
        env = make_env(
            monkeypatch,
            tmp_path,
            INTAKE_TWILIO__ACCOUNT_SID=SID,
            INTAKE_TWILIO__AUTH_TOKEN=TOKEN,
            INTAKE_TWILIO__PUBLIC_URL=PUBLIC_URL,
            INTAKE_TWILIO__API_BASE_URL=fake.base_url,
            INTAKE_TWILIO__SMS_FROM="+628111272206",
            INTAKE_TWILIO__WHATSAPP_FROM="whatsapp:+628111272206",
        )
        app = FastAPI()
        router = build_router(env.settings)
        assert router is not None
        app.include_router(router)
        with TestClient(app) as client:
            yield TwilioEnv(env, fake, client)
        close_env(env)


def test_signed_sms_is_stored_acknowledged_and_answered(twilio: TwilioEnv) -> None:
    resp = twilio.client.post(
        "/webhooks/twilio",
        content=urlencode(load("sms_text.json")),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": sign(load("sms_text.json")),
        },
    )
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/xml")
    assert "<Response>" in resp.text
    twilio.env.drain()
    (row,) = twilio.rows(InboxMessage)
    assert row.external_id == "SM7f3a1c2b9d8e4f5a6b7c8d9e0f1a2b3c" and row.state == "processed"
    assert len(twilio.rows(Report)) == 1
    (sent,) = twilio.fake.sent
    assert sent["To"] == "+6281200000001" and sent["From"] == "+628111272206"


@pytest.mark.parametrize("signature", ["", "bm90IGEgc2lnbmF0dXJl", "FORGED"])
def test_forged_or_missing_signature_is_403_and_nothing_stored(
    twilio: TwilioEnv, signature: str
) -> None:
    assert twilio.post(load("sms_text.json"), signature=signature) == 403
    twilio.env.drain()
    assert twilio.rows(InboxMessage) == [] and twilio.fake.sent == []


def test_signature_over_another_url_is_refused(twilio: TwilioEnv) -> None:
    form = load("sms_text.json")
    forged = sign(form, url="https://attacker.example/webhooks/twilio")
    assert twilio.post(form, signature=forged) == 403
    tampered = form | {"Body": "Laporan palsu"}
    assert twilio.post(tampered, signature=sign(form)) == 403
    assert twilio.rows(InboxMessage) == []


def test_three_deliveries_make_one_report_and_one_reply(twilio: TwilioEnv) -> None:
    form = load("sms_text.json")
    assert [twilio.post(form) for _ in range(3)] == [200, 200, 200]
    twilio.env.drain()
    assert len(twilio.rows(InboxMessage)) == 1
    assert len(twilio.rows(Report)) == 1
    assert len(twilio.fake.sent) == 1


def test_sticker_is_acknowledged_and_ignored(twilio: TwilioEnv) -> None:
    before = abuse.IGNORED_EVENTS.labels("twilio", "whatsapp sticker")._value.get()
    assert twilio.post(load("whatsapp_sticker.json")) == 200
    assert twilio.rows(InboxMessage) == []
    assert abuse.IGNORED_EVENTS.labels("twilio", "whatsapp sticker")._value.get() == before + 1


def test_oversized_payload_is_refused_before_parsing(twilio: TwilioEnv) -> None:
    form = load("sms_text.json") | {"Body": "x" * (abuse.MAX_WEBHOOK_BYTES + 1)}
    assert twilio.post(form) == 413
    assert twilio.rows(InboxMessage) == []


def test_flooding_sender_is_held_and_told_once(twilio: TwilioEnv) -> None:
    base = load("sms_text.json")
    for i in range(14):
        form = base | {"MessageSid": f"SM{i:032x}", "Body": f"Laporan nomor {i}: jalan rusak"}
        assert twilio.post(form) == 200
    twilio.env.drain()
    states = [row.state for row in twilio.rows(InboxMessage)]
    assert states.count("held") == 14 - int(abuse.DEFAULT_CAPACITY)
    notices = [r for r in twilio.rows(OutboxReply) if r.kind == "rate_limited"]
    assert len(notices) == 1 and notices[0].state == "sent"
    assert sum("terlalu banyak" in m.get("Body", "") for m in twilio.fake.sent) == 1


def test_channel_without_auth_token_has_no_route() -> None:
    assert build_router(Settings()) is None


def _whatsapp(sid: str, body: str, **extra: str) -> dict[str, str]:
    form = {
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "ProfileName": "Warga",
        "MessageType": "text",
        "SmsSid": sid,
        "WaId": "6281200000002",
        "SmsStatus": "received",
        "Body": body,
        "To": "whatsapp:+628111272206",
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": SID,
        "From": "whatsapp:+6281200000002",
        "ApiVersion": "2010-04-01",
    }
    return form | extra


def test_full_conversation_question_answer_tracking_number_and_status(twilio: TwilioEnv) -> None:
    # 1. A complaint without any place: the intake asks for the address.
    assert (
        twilio.post(_whatsapp("SM" + "1" * 32, "Lampu jalan mati, gelap sekali tiap malam")) == 200
    )
    twilio.env.drain()
    question = twilio.fake.sent[-1]
    assert question["To"] == "whatsapp:+6281200000002"
    assert "alamat" in question["Body"]
    # 2. The citizen shares the location in the same chat: it completes the same report.
    location = load("whatsapp_location.json")
    assert twilio.post(location) == 200
    twilio.env.drain()
    (report,) = twilio.rows(Report)
    assert report.tracking_number, report.state
    confirmation = twilio.fake.sent[-1]["Body"]
    assert report.tracking_number in confirmation
    # 3. STATUS <nomor> at any time answers with the report's status.
    status = _whatsapp("SM" + "3" * 32, f"STATUS {report.tracking_number}")
    assert twilio.post(status) == 200
    twilio.env.drain()
    answer = twilio.fake.sent[-1]["Body"]
    assert answer.startswith(f"Laporan {report.tracking_number}: status")
    assert len(twilio.rows(Report)) == 1
    assert len(twilio.fake.sent) == 3


def test_reply_refused_with_429_waits_for_retry_after_and_is_sent_once(
    twilio: TwilioEnv,
) -> None:
    twilio.fake.fail_next(
        "/Messages.json",
        Reply(
            429,
            {"code": 20429, "message": "Too Many Requests", "status": 429},
            {"Retry-After": "1"},
        ),
    )
    started = time.monotonic()
    assert twilio.post(load("sms_text.json")) == 200
    twilio.env.drain()  # first try refused; the outbox re-sends after Retry-After
    assert time.monotonic() - started >= 1.0
    (row,) = twilio.rows(OutboxReply)
    assert (row.state, row.attempts) == ("sent", 2)
    for _ in range(2):  # stray redeliveries of the send job change nothing
        actors.send_reply.send(row.id)
    twilio.env.drain()
    assert len(twilio.fake.sent) == 1
    assert len(twilio.fake.calls_to("/Messages.json")) == 2
