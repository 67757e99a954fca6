"""Quoted history and signatures are removed the way the citizen's mail client wrote them."""

from __future__ import annotations

from connectors.email.quotes import strip_quoted

COMPLAINT = "Selamat pagi, saluran air di Jl. Cempaka Putih Tengah II tersumbat sejak Senin."


def test_gmail_indonesian_reply_header_wrapped_over_two_lines() -> None:
    text = (
        f"{COMPLAINT}\n\nPada tanggal Sen, 23 Nov 2026 pukul 08.15 Pengaduan Warga <\n"
        "pengaduan@example.go.id> menulis:\n\n> Terima kasih, laporan Anda kami terima.\n"
    )
    assert strip_quoted(text) == COMPLAINT


def test_outlook_from_sent_block_after_rule() -> None:
    text = (
        f"{COMPLAINT}\n\n________________________________\nFrom: Pengaduan Warga\n"
        "Sent: Monday, November 23, 2026 8:15 AM\nTo: Warga\nSubject: Laporan\n\nLama\n"
    )
    assert strip_quoted(text) == COMPLAINT


def test_signature_and_mobile_footer_removed() -> None:
    text = f"{COMPLAINT}\n\nDikirim dari iPhone saya\n-- \nBudi\nRT 03\n"
    assert strip_quoted(text) == COMPLAINT


def test_message_that_is_only_quotes_is_kept_whole() -> None:
    text = "> Jalan rusak di depan SDN 01 Kemayoran\n> mohon ditindaklanjuti"
    assert "Jalan rusak" in strip_quoted(text)
