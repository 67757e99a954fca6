"""Recorded mails from real clients become the complaint a citizen wrote, nothing more."""

from __future__ import annotations

import pytest

from connectors.contract import UnsupportedEvent
from connectors.email.parse import MalformedEmail, parse_email
from tests.connectors.email.conftest import fixture_bytes


def test_gmail_quoted_printable_reply_keeps_only_the_new_text_and_threads() -> None:
    msg = parse_email(fixture_bytes("gmail_plain_qp_reply.eml")).message
    assert msg.text.startswith("Selamat pagi, lubangnya ada di Jl. Daan Mogot KM 12")
    assert "mohon segera diperbaiki" in msg.text  # soft line breaks of QP undone
    assert "Mohon lengkapi alamat" not in msg.text  # our own quoted question is gone
    assert msg.sender.handle == "warga.pelapor@example.com"
    # follow-up of our question: the thread root is the message we sent
    assert msg.conversation_id == "<crm-4f1c2a@example.go.id>"
    assert msg.reply_context["message_id"] == "<CAJx9y2V1ZbPq=Xk8mW3g@mail.gmail.com>"
    assert msg.reply_context["references"] == ["<crm-4f1c2a@example.go.id>"]
    assert msg.received_at.isoformat() == "2026-11-23T09:02:11+07:00"


def test_outlook_html_only_base64_becomes_text_without_history() -> None:
    msg = parse_email(fixture_bytes("outlook_html_only_base64.eml")).message
    assert "Lampu penerangan jalan umum di Jl. Kemang Raya No. 8" in msg.text
    assert "Jum'at" in msg.text  # HTML entities decoded
    assert "Terima kasih, laporan Anda kami terima" not in msg.text
    assert "MsoNormal" not in msg.text and "<p" not in msg.text
    assert msg.raw["body_source"] == "html"


def test_iphone_inline_photo_kept_logo_and_executable_left_out() -> None:
    parsed = parse_email(fixture_bytes("iphone_inline_photo.eml"))
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("IMG_0412.jpeg", "image/jpeg")
    ]
    assert parsed.attachments[0].data[:3] == b"\xff\xd8\xff"  # base64 decoded to a real JPEG
    assert parsed.message.text.startswith("Sampah menumpuk di Kali Sunter\n\nSampah menumpuk")
    assert "Sent from my iPhone" not in parsed.message.text
    assert parsed.message.raw["attachments_skipped"] == [
        "small inline image/png",
        "type application/x-msdownload",
    ]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("vacation_auto_reply.eml", "Auto-Submitted"),
        ("dsn_bounce_cpython_msg16.eml", "delivery-status"),
    ],
)
def test_auto_replies_and_bounces_are_never_complaints(name: str, reason: str) -> None:
    with pytest.raises(UnsupportedEvent, match=reason):
        parse_email(fixture_bytes(name))


def test_our_own_reply_copied_to_the_mailbox_is_ignored() -> None:
    raw = fixture_bytes("gmail_plain_qp_reply.eml").replace(
        b"From: Warga Pelapor <warga.pelapor@example.com>", b"From: <pengaduan@example.go.id>"
    )
    with pytest.raises(UnsupportedEvent, match="own"):
        parse_email(raw, own_addresses=frozenset({"pengaduan@example.go.id"}))


def test_broken_multipart_without_text_is_malformed() -> None:
    with pytest.raises(MalformedEmail, match="StartBoundaryNotFoundDefect"):
        parse_email(fixture_bytes("malformed_no_body.eml"))


def test_unknown_charset_and_missing_close_boundary_still_readable() -> None:
    msg = parse_email(fixture_bytes("odd_charset_defects.eml")).message
    assert msg.text.startswith("Pohon tumbang di Jl. Cilincing Raya\n\n")  # RFC 2047 subject
    assert "Pohon tumbang menutup jalan di Jl. Cilincing Raya" in msg.text
    assert msg.raw["defects"] == ["CloseBoundaryNotFoundDefect"]


def test_message_without_message_id_gets_a_stable_digest_id() -> None:
    raw = fixture_bytes("odd_charset_defects.eml").replace(
        b"Message-ID: <odd-charset-001@example.com>\n", b""
    )
    first, second = parse_email(raw).message, parse_email(raw).message
    assert first.external_id == second.external_id and first.external_id.startswith("sha256:")
