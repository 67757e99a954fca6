"""Walk-in replies: e-mail over SMTP or SMS through Twilio, as the desk recorded; nothing else."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from config.settings import EmailSettings, Settings, TwilioSettings
from connectors.contract import BadConfig, OutboundReply
from connectors.walkin import build_reply_sender
from connectors.walkin.reply import NoContact, WalkinReplySender
from tests.connectors.email.servers import SmtpSink
from tests.fakes.twilio_api import FakeTwilio

SID, TOKEN = "AC" + "e" * 32, "walkin-reply-token"
TEXT = "Terima kasih, laporan Anda sudah kami terima. Nomor laporan: JK7M-29QX-4."


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """aiosmtpd on a free port."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def _reply(recipient: str, **context: str) -> OutboundReply:
    return OutboundReply(
        channel="walkin",
        recipient=recipient,
        text=TEXT,
        kind="confirmation",
        reply_context={"office": "balai_kota", **context},
        idempotency_key="report:9:confirmation",
    )


def test_email_route_sends_one_mail(smtp_sink: SmtpSink) -> None:
    email = EmailSettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp_sink.port,
        smtp_starttls=False,
        from_address="crm@jakarta.go.id",
    )
    sender = WalkinReplySender(Settings(email=email))
    sender.send(_reply("warga@example.id", via="email", subject="Laporan Anda (CRM Jakarta)"))
    [mail] = smtp_sink.messages
    assert mail["To"] == "warga@example.id"
    assert mail["Subject"] == "Re: Laporan Anda (CRM Jakarta)"
    assert "JK7M-29QX-4" in mail.get_payload(decode=True).decode()


def test_sms_route_texts_the_phone() -> None:
    with FakeTwilio(SID, TOKEN) as fake:
        twilio = TwilioSettings(
            account_sid=SID, auth_token=TOKEN, api_base_url=fake.base_url, sms_from="+628111272206"
        )
        WalkinReplySender(Settings(twilio=twilio)).send(
            _reply("+6281234567890", via="sms", to="+6281234567890")
        )
        [sms] = fake.sent
    assert (sms["To"], sms["Body"]) == ("+6281234567890", TEXT)


def test_no_contact_is_refused_not_sent() -> None:
    with pytest.raises(NoContact, match="printed receipt"):
        WalkinReplySender(Settings()).send(_reply(""))


def test_sms_without_a_from_number_names_the_setting() -> None:
    twilio = TwilioSettings(account_sid=SID, auth_token=TOKEN)
    with pytest.raises(BadConfig) as caught:
        WalkinReplySender(Settings(twilio=twilio)).send(_reply("+6281234567890", via="sms"))
    assert caught.value.setting == "INTAKE_TWILIO__SMS_FROM"


def test_sender_exists_only_when_sms_or_smtp_is_configured() -> None:
    assert build_reply_sender(Settings()) is None
    assert build_reply_sender(Settings(email=EmailSettings(smtp_host="smtp.jakarta.go.id")))
