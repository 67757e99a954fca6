"""Replies through twilio's REST client against a local fake of api.twilio.com."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from config.settings import TwilioSettings
from connectors.contract import AuthFailed, ConnectorError, OutboundReply, TemporarilyUnavailable
from connectors.twilio.reply import OutsideWindow, TwilioReplySender, choose_route, fit
from tests.fakes.http_fake import Reply
from tests.fakes.twilio_api import FakeTwilio, twilio_error

SID, TOKEN = "AC" + "a" * 32, "test-auth-token"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEXT = "Terima kasih, laporan Anda kami terima dengan nomor JKT-7Q4M. Ketik STATUS JKT-7Q4M."


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        yield server


def settings(base_url: str = "https://api.twilio.com", **extra: object) -> TwilioSettings:
    values = {
        "account_sid": SID,
        "auth_token": SecretStr(TOKEN),
        "api_base_url": base_url,
        "sms_from": "+628111272206",
        "whatsapp_from": "whatsapp:+628111272206",
    } | extra
    return TwilioSettings(**values)


def reply(to: str, last_inbound: datetime | None = NOW - timedelta(hours=1)) -> OutboundReply:
    context = {
        "to": to,
        "from": "whatsapp:+628111272206" if to.startswith("whatsapp:") else "+628111272206",
    }
    if last_inbound:
        context["last_inbound_at"] = last_inbound.isoformat()
    return OutboundReply(
        channel="twilio",
        recipient=to,
        text=TEXT,
        kind="confirmation",
        reply_context=context,
        idempotency_key="report-1:confirmation",
    )


def test_sms_reply_is_created_once_with_the_text(fake: FakeTwilio) -> None:
    result = TwilioReplySender(settings(fake.base_url)).send(reply("+6281200000001"), NOW)
    assert [m["Body"] for m in fake.sent] == [TEXT]
    assert fake.sent[0]["To"] == "+6281200000001" and fake.sent[0]["From"] == "+628111272206"
    assert result.provider_message_id == fake.sent[0]["Sid"]


def test_whatsapp_inside_window_is_free_text() -> None:
    route = choose_route(reply("whatsapp:+6281200000002"), settings(), NOW)
    assert route.template_sid == "" and route.recipient == "whatsapp:+6281200000002"


def test_whatsapp_outside_window_uses_the_approved_template(fake: FakeTwilio) -> None:
    cfg = settings(fake.base_url, whatsapp_template_sid="HX" + "b" * 32)
    old = reply("whatsapp:+6281200000002", NOW - timedelta(hours=30))
    TwilioReplySender(cfg).send(old, NOW)
    assert fake.sent[0]["ContentSid"] == "HX" + "b" * 32
    assert "JKT-7Q4M" in fake.sent[0]["ContentVariables"]
    assert "Body" not in fake.sent[0]


def test_whatsapp_outside_window_falls_back_to_sms_when_configured(fake: FakeTwilio) -> None:
    cfg = settings(fake.base_url, whatsapp_fallback="sms")
    TwilioReplySender(cfg).send(reply("whatsapp:+6281200000002", NOW - timedelta(days=3)), NOW)
    assert fake.sent[0]["To"] == "+6281200000002" and fake.sent[0]["From"] == "+628111272206"


def test_whatsapp_outside_window_without_fallback_is_refused() -> None:
    with pytest.raises(OutsideWindow):
        choose_route(
            reply("whatsapp:+6281200000002", None), settings(whatsapp_fallback="none"), NOW
        )


def test_429_with_retry_after_is_retried_later_and_sent_once(fake: FakeTwilio) -> None:
    fake.fail_next(
        "/Messages.json",
        Reply(
            429,
            {"code": 20429, "message": "Too Many Requests", "status": 429},
            {"Retry-After": "7"},
        ),
    )
    sender = TwilioReplySender(settings(fake.base_url))
    with pytest.raises(TemporarilyUnavailable) as err:
        sender.send(reply("+6281200000001"), NOW)
    assert err.value.retry_after == 7.0
    assert fake.sent == []
    sender.send(reply("+6281200000001"), NOW)  # the outbox's retry
    assert len(fake.sent) == 1


def test_server_error_is_temporary(fake: FakeTwilio) -> None:
    fake.fail_next("/Messages.json", twilio_error(503, 20503, "Service Unavailable"))
    with pytest.raises(TemporarilyUnavailable):
        TwilioReplySender(settings(fake.base_url)).send(reply("+6281200000001"), NOW)


def test_wrong_token_is_auth_failed(fake: FakeTwilio) -> None:
    cfg = settings(fake.base_url, auth_token=SecretStr("wrong"))
    with pytest.raises(AuthFailed):
        TwilioReplySender(cfg).send(reply("+6281200000001"), NOW)
    with pytest.raises(AuthFailed):
        TwilioReplySender(cfg).check()


def test_permanent_4xx_is_a_plain_connector_error(fake: FakeTwilio) -> None:
    fake.fail_next("/Messages.json", twilio_error(400, 21610, "Attempt to send to unsubscribed"))
    with pytest.raises(ConnectorError) as err:
        TwilioReplySender(settings(fake.base_url)).send(reply("+6281200000001"), NOW)
    assert not isinstance(err.value, TemporarilyUnavailable | AuthFailed)


def test_unreachable_provider_is_temporary() -> None:
    with pytest.raises(TemporarilyUnavailable):
        TwilioReplySender(settings("http://127.0.0.1:9")).send(reply("+6281200000001"), NOW)


def test_check_reads_the_account(fake: FakeTwilio) -> None:
    assert TwilioReplySender(settings(fake.base_url)).check() == "twilio account active"


def test_long_text_is_cut_at_a_word_within_the_twilio_limit() -> None:
    text = "Laporan Anda sedang ditindaklanjuti petugas Suku Dinas Bina Marga. " * 40
    cut = fit(text)
    assert len(cut) <= 1600 and cut.endswith("...")
    assert text.startswith(cut[:-3]) and not cut[:-3].endswith(" ")
