"""Mailbox to inbox through the real sink: rows, checkpoint and dead letters in the database."""

from __future__ import annotations

import threading
from pathlib import Path

from imapclient import IMAPClient
from sqlmodel import select

from config.settings import EmailSettings
from connectors import intake
from connectors.email.poll import EmailPoller
from connectors.poll_loop import run
from pipeline.models import InboxMessage, PollerCheckpoint
from tests.conftest import PipelineEnv
from tests.connectors.email.conftest import fixture_bytes

MAILS = [
    "gmail_plain_qp_reply.eml",
    "vacation_auto_reply.eml",
    "iphone_inline_photo.eml",
    "malformed_no_body.eml",
]


def test_mail_lands_in_the_inbox_with_its_checkpoint(
    pipeline_env: PipelineEnv, mailbox: tuple[EmailSettings, IMAPClient], tmp_path: Path
) -> None:
    settings, admin = mailbox
    for name in MAILS:
        admin.append(settings.folder, fixture_bytes(name))
    poller = EmailPoller(settings.model_copy(update={"batch_size": 10}), tmp_path)
    stop = threading.Event()
    real_fetch = poller.fetch

    def fetch_once(cursor):  # type: ignore[no-untyped-def]
        stop.set()  # like SIGTERM during the fetch: the batch is finished, then the loop returns
        return real_fetch(cursor)

    poller.fetch = fetch_once  # type: ignore[method-assign]
    run("email", poller, interval_s=0, stop=stop)
    poller.close()
    pipeline_env.drain()
    with pipeline_env.session() as session:
        rows = session.exec(select(InboxMessage).order_by(InboxMessage.id)).all()
        checkpoint = session.get(PollerCheckpoint, "email")
    by_state = {row.external_id: row.state for row in rows}
    assert by_state["<CAJx9y2V1ZbPq=Xk8mW3g@mail.gmail.com>"] != "malformed"
    assert by_state["<5C1D2E3F-4A5B-6C7D-8E9F-0A1B2C3D4E5F@example.org>"] != "malformed"
    assert [s for s in by_state.values() if s == "malformed"] == ["malformed"]
    assert not any("vacation" in ext for ext in by_state)  # the auto-reply was never stored
    assert checkpoint is not None and checkpoint.cursor["last_uid"] == len(MAILS)
    assert checkpoint.heartbeat_at is not None
    assert intake.load_checkpoint("email") == checkpoint.cursor
