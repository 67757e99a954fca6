"""Fixtures: a real Dovecot and a real SMTP sink, started by the tests themselves."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from imapclient import IMAPClient

from config.settings import EmailSettings
from tests.connectors.email.servers import DOVECOT, PASSWORD, USER, Dovecot, SmtpSink

FIXTURES = Path(__file__).parents[2] / "fixtures" / "email"
_folders = itertools.count(1)


def fixture_bytes(name: str) -> bytes:
    """A recorded .eml from tests/fixtures/email."""
    return (FIXTURES / name).read_bytes()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """One Dovecot for the session (each test gets its own folder)."""
    if DOVECOT is None:
        pytest.skip("dovecot binary not installed (apt-get install dovecot-imapd)")
    server = Dovecot.start()
    yield server
    server.stop()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Iterator[tuple[EmailSettings, IMAPClient]]:
    """Settings pointing at a fresh folder, and an admin IMAP connection to fill it."""
    folder = f"Pengaduan{next(_folders)}"
    admin = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False, timeout=10)
    admin.login(USER, PASSWORD)
    admin.create_folder(folder)
    settings = EmailSettings(
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_ssl=False,
        username=USER,
        password=PASSWORD,
        folder=folder,  # type: ignore[arg-type]
        from_address="pengaduan@example.go.id",
        batch_size=2,
        timeout_s=5,
    )
    yield settings, admin
    admin.logout()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """aiosmtpd on a free port."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()
