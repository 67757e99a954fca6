"""The mailbox poller against a real Dovecot: restarts, dropped connections, UIDVALIDITY, IDLE."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient
from pydantic import SecretStr

from config.settings import EmailSettings
from connectors.email.poll import EmailPoller
from connectors.poll_loop import run
from tests.connectors.email.conftest import fixture_bytes
from tests.connectors.email.servers import Dovecot, DroppingProxy
from tests.fakes.intake_sink import MemorySink, poll_until_caught_up

MAILS = [
    "gmail_plain_qp_reply.eml",
    "vacation_auto_reply.eml",
    "outlook_html_only_base64.eml",
    "dsn_bounce_cpython_msg16.eml",
    "iphone_inline_photo.eml",
    "malformed_no_body.eml",
    "odd_charset_defects.eml",
]
COMPLAINT_IDS = {
    "<CAJx9y2V1ZbPq=Xk8mW3g@mail.gmail.com>",
    "<AM0PR01MB5678A1B2C3D4E5F6A7B8C9D0AA@AM0PR01MB5678.eurprd01.prod.example.com>",
    "<5C1D2E3F-4A5B-6C7D-8E9F-0A1B2C3D4E5F@example.org>",
    "<odd-charset-001@example.com>",
}


def _fill(admin: IMAPClient, folder: str, names: list[str]) -> None:
    for name in names:
        admin.append(folder, fixture_bytes(name))


def _poll_until_caught_up(
    poller: EmailPoller, sink: MemorySink, *, max_fetches: int | None = None
) -> None:
    poll_until_caught_up("email", poller, sink, max_fetches=max_fetches)
    poller.close()


def test_mailbox_ingested_once_bounces_ignored_malformed_flagged(
    mailbox: tuple[EmailSettings, IMAPClient], tmp_path: Path
) -> None:
    settings, admin = mailbox
    _fill(admin, settings.folder, MAILS)
    sink = MemorySink()
    _poll_until_caught_up(EmailPoller(settings, tmp_path), sink)
    assert {ext for _, ext in sink.rows} == COMPLAINT_IDS
    assert len(sink.malformed) == 1 and "StartBoundaryNotFound" in next(
        iter(sink.malformed.values())
    )
    assert sink.checkpoints["email"]["last_uid"] == len(MAILS)
    photo = sink.rows[("email", "<5C1D2E3F-4A5B-6C7D-8E9F-0A1B2C3D4E5F@example.org>")].media[0]
    assert Path(photo.path).read_bytes()[:3] == b"\xff\xd8\xff"
    assert photo.path.startswith(str(tmp_path))


def test_restart_between_batches_continues_from_the_checkpoint(
    mailbox: tuple[EmailSettings, IMAPClient], tmp_path: Path
) -> None:
    settings, admin = mailbox
    _fill(admin, settings.folder, MAILS)
    sink = MemorySink()
    _poll_until_caught_up(EmailPoller(settings, tmp_path), sink, max_fetches=1)  # "killed"
    first = dict(sink.rows)
    assert 0 < len(first) < len(COMPLAINT_IDS)
    _poll_until_caught_up(EmailPoller(settings, tmp_path), sink)  # a new process
    assert {ext for _, ext in sink.rows} == COMPLAINT_IDS
    assert all(sink.rows[k] is v for k, v in first.items())  # nothing stored twice


def test_connection_dropped_mid_fetch_retries_without_loss(
    dovecot: Dovecot, mailbox: tuple[EmailSettings, IMAPClient], tmp_path: Path
) -> None:
    settings, admin = mailbox
    _fill(admin, settings.folder, MAILS)
    proxy = DroppingProxy(dovecot.port)
    proxy.cut_after = 3000  # mid-way through the iPhone mail's photo
    via_proxy = settings.model_copy(update={"imap_port": proxy.port, "batch_size": 10})
    sink = MemorySink()
    _poll_until_caught_up(EmailPoller(via_proxy, tmp_path), sink)
    proxy.close()
    assert proxy.cuts == 1
    assert {ext for _, ext in sink.rows} == COMPLAINT_IDS
    assert any("IMAP connection lost" in note for _, _, note in sink.heartbeats)


def test_uidvalidity_change_rescans_without_duplicates(
    mailbox: tuple[EmailSettings, IMAPClient], tmp_path: Path
) -> None:
    settings, admin = mailbox
    _fill(admin, settings.folder, MAILS[:3])
    sink = MemorySink()
    _poll_until_caught_up(EmailPoller(settings, tmp_path), sink)
    old = sink.checkpoints["email"]["uidvalidity"]
    stored = len(sink.rows)
    # the server rebuilt the folder (restore from backup, migration): new UIDVALIDITY, new UIDs
    admin.delete_folder(settings.folder)
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    admin.create_folder(settings.folder)
    _fill(admin, settings.folder, MAILS)
    poller = EmailPoller(settings, tmp_path)
    _poll_until_caught_up(poller, sink)
    assert sink.checkpoints["email"]["uidvalidity"] != old
    assert {ext for _, ext in sink.rows} == COMPLAINT_IDS
    assert len(sink.rows) == stored + 2  # only the two mails that were really new
    assert any("UIDVALIDITY changed" in note for _, _, note in sink.heartbeats)


def test_idle_wakes_up_when_mail_arrives(
    mailbox: tuple[EmailSettings, IMAPClient], tmp_path: Path
) -> None:
    settings, admin = mailbox
    poller = EmailPoller(settings, tmp_path)
    poller.fetch(None)  # connects and selects the folder
    threading.Timer(0.5, _fill, args=(admin, settings.folder, MAILS[:1])).start()
    started = time.monotonic()
    poller.wait(20, threading.Event())
    waited = time.monotonic() - started
    msgs, _ = poller.fetch({"uidvalidity": poller._uidvalidity, "last_uid": 0})
    poller.close()
    assert waited < 10, "IDLE should return as soon as the new mail is announced"
    assert [m.external_id for m in msgs] == ["<CAJx9y2V1ZbPq=Xk8mW3g@mail.gmail.com>"]


def test_wrong_password_stops_the_poller_naming_the_setting(
    mailbox: tuple[EmailSettings, IMAPClient], tmp_path: Path
) -> None:
    from connectors.poll_loop import PollerStopped  # noqa: PLC0415

    settings, _ = mailbox
    bad = settings.model_copy(update={"password": SecretStr("salah")})
    with pytest.raises(PollerStopped, match="INTAKE_EMAIL__USERNAME"):
        run(
            "email",
            EmailPoller(bad, tmp_path),
            interval_s=0,
            stop=threading.Event(),
            sink=MemorySink(),
        )
