"""Replies reach a real SMTP server threaded under the citizen's mail, and fail the right way."""

from __future__ import annotations

import pytest

from config.settings import EmailSettings
from connectors.contract import OutboundReply, TemporarilyUnavailable
from connectors.email.parse import parse_email
from connectors.email.reply import EmailReplySender, RecipientRejected
from tests.connectors.email.conftest import fixture_bytes
from tests.connectors.email.servers import SmtpSink, free_port

TEXT = "Terima kasih. Laporan Anda kami terima dengan nomor 2611-0042-K. Kami akan menindaklanjuti."


def _sender(port: int) -> EmailReplySender:
    return EmailReplySender(
        EmailSettings(
            smtp_host="127.0.0.1",
            smtp_port=port,
            smtp_starttls=False,
            timeout_s=5,
            from_address="pengaduan@example.go.id",
        )
    )


def _reply() -> OutboundReply:
    inbound = parse_email(fixture_bytes("gmail_plain_qp_reply.eml")).message
    return OutboundReply(
        channel="email",
        recipient=inbound.sender.handle,
        text=TEXT,
        kind="confirmation",
        reply_context=inbound.reply_context,
        idempotency_key="report-42:confirmation",
    )


def test_reply_is_threaded_marked_automatic_and_carries_the_tracking_number(
    smtp_sink: SmtpSink,
) -> None:
    result = _sender(smtp_sink.port).send(_reply())
    [mail] = smtp_sink.messages
    assert mail["To"] == "warga.pelapor@example.com"
    assert mail["Subject"] == "Re: Laporan jalan berlubang Daan Mogot"
    assert mail["In-Reply-To"] == "<CAJx9y2V1ZbPq=Xk8mW3g@mail.gmail.com>"
    assert mail["References"] == (
        "<crm-4f1c2a@example.go.id> <CAJx9y2V1ZbPq=Xk8mW3g@mail.gmail.com>"
    )
    assert mail["Auto-Submitted"] == "auto-replied"
    assert "2611-0042-K" in mail.get_payload(decode=True).decode()
    assert result.provider_message_id == mail["Message-ID"]


def test_retried_reply_keeps_its_message_id(smtp_sink: SmtpSink) -> None:
    sender = _sender(smtp_sink.port)
    first, second = sender.send(_reply()), sender.send(_reply())
    assert first.provider_message_id == second.provider_message_id


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        ("550 5.1.1 mailbox unavailable", RecipientRejected),
        ("451 4.3.0 try again later", TemporarilyUnavailable),
    ],
)
def test_refusals_map_to_permanent_or_retry(
    smtp_sink: SmtpSink, answer: str, error: type[Exception]
) -> None:
    smtp_sink.refuse_with = answer
    with pytest.raises(error):
        _sender(smtp_sink.port).send(_reply())
    assert not smtp_sink.messages


def test_server_down_is_temporary_with_retry_after() -> None:
    with pytest.raises(TemporarilyUnavailable) as info:
        _sender(free_port()).send(_reply())
    assert info.value.retry_after and info.value.retry_after > 0
