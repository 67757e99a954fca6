"""Pollers SIGKILLed mid-batch as real `intake poll` processes, and an IMAP UIDVALIDITY change.

The checkpoint is saved in the transaction of the rows it covers (connectors/intake.py
accept_batch), so a poller killed anywhere resumes without a gap or a second row.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from imapclient import IMAPClient

from intake.synth import generate
from tests.connectors.email.servers import DOVECOT, PASSWORD, USER, Dovecot
from tests.fakes.feeds import FeedServer, LaporFeed
from tests.intake.replay_support import Run
from tests.reliability.report import Figures, record

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
PATH = "/api/v1/laporan"  # LaporFeed's default path


class PollRun(Run):
    """An embedded (SQLite) setup whose `intake poll CHANNEL` process we kill."""

    def __init__(self, tmp: Path, extra: dict[str, str]) -> None:
        super().__init__(tmp)
        self.extra = extra

    def env(self) -> dict[str, str]:
        return super().env() | self.extra

    def start_poll(self, channel: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603
            self.command("poll", channel),
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )

    def stored(self, channel: str) -> tuple[int, int]:
        """(rows, distinct provider ids) of this channel in the inbox."""
        try:
            rows = self.count(f"SELECT count(*) FROM inbox_message WHERE channel = '{channel}'")
            ids = self.count(
                f"SELECT count(DISTINCT external_id) FROM inbox_message WHERE channel = '{channel}'"
            )
        except Exception:  # noqa: BLE001 - database not created yet
            return 0, 0
        return rows, ids


def _kill_and_restart(
    run: PollRun, channel: str, expected: int, kills: int, seed: int
) -> tuple[int, float]:
    """Kill the poller `kills` times while it is storing, then let it finish; (kills, seconds)."""
    rng = random.Random(seed)
    proc = run.start_poll(channel)
    last = time.monotonic()
    deadline = time.monotonic() + 600
    try:
        for done in range(kills):  # each kill lands once a further slice of the batch is stored
            while run.stored(channel)[1] < expected * (done + 1) // (kills + 2):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{channel}: poller made no progress")
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 0.1))  # somewhere inside the next batch
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            last = time.monotonic()
            proc = run.start_poll(channel)
        while run.stored(channel)[1] < expected:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{channel}: {run.stored(channel)} of {expected} stored")
            time.sleep(0.2)
        return kills, time.monotonic() - last
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def _complaint_mail(n: int, text: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"warga{n}@example.org"
    mail["To"] = "pengaduan@example.go.id"
    mail["Subject"] = "Pengaduan warga"
    mail["Message-ID"] = f"<reliability-{n}@example.org>"
    mail["Date"] = "Mon, 23 Nov 2026 08:00:00 +0700"
    mail.set_content(text)
    return mail.as_bytes()


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    if DOVECOT is None:
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server = Dovecot.start()
    yield server
    server.stop()


def test_email_poller_killed_mid_batch_then_uidvalidity_change(
    tmp_path: Path, dovecot: Dovecot, long_run: bool
) -> None:
    mails, kills = (300, 20) if long_run else (60, 3)
    folder = "PengaduanKill"
    admin = IMAPClient("127.0.0.1", port=dovecot.port, ssl=False, timeout=10)
    admin.login(USER, PASSWORD)
    admin.create_folder(folder)
    texts = [line["text"] for line in generate(mails + 5, seed=31)]
    for n in range(mails):
        admin.append(folder, _complaint_mail(n, texts[n]))
    run = PollRun(
        tmp_path,
        {
            "INTAKE_EMAIL__IMAP_HOST": "127.0.0.1",
            "INTAKE_EMAIL__IMAP_PORT": str(dovecot.port),
            "INTAKE_EMAIL__IMAP_SSL": "false",
            "INTAKE_EMAIL__USERNAME": USER,
            "INTAKE_EMAIL__PASSWORD": PASSWORD,
            "INTAKE_EMAIL__FOLDER": folder,
            "INTAKE_EMAIL__IDLE": "false",
            "INTAKE_EMAIL__POLL_INTERVAL_S": "0.2",
            "INTAKE_EMAIL__BATCH_SIZE": "1",
            "INTAKE_EMAIL__FROM_ADDRESS": "pengaduan@example.go.id",
        },
    )
    done, recover = _kill_and_restart(run, "email", mails, kills, seed=5)
    # The folder is rebuilt (restore from backup): new UIDVALIDITY, every UID new, 5 new mails.
    admin.delete_folder(folder)
    time.sleep(1.1)  # Dovecot derives UIDVALIDITY from the clock
    admin.create_folder(folder)
    for n in range(mails + 5):
        admin.append(folder, _complaint_mail(n, texts[n]))
    admin.logout()
    _kill_and_restart(run, "email", mails + 5, 1, seed=6)
    rows, distinct = run.stored("email")
    figures = record(
        Figures(
            scenario="email poller SIGKILL + UIDVALIDITY",
            messages_sent=mails + 5,
            reports_created=0,
            lost=mails + 5 - distinct,
            duplicated=rows - distinct,
            recover_s=round(recover, 2),
            faults=done + 2,
            notes={"inbox_rows": rows},
        )
    )
    assert figures.clean, figures


def _lapor_pages(count: int, per_page: int) -> list[dict[str, object]]:
    texts = [line["text"] for line in generate(count, seed=37)]
    items = [
        {
            "tracking_id": str(5_000_000 + n),
            "title": "Laporan warga",
            "content": text,
            "created_at": "2026-11-23T07:41:00+07:00",
            "category": "Infrastruktur",
            "location": "Jakarta",
            "source": "sms",
            "is_anonymous": False,
            "is_secret": False,
        }
        for n, text in enumerate(texts)
    ]
    pages = [
        {"status": "success", "data": items[i : i + per_page]} for i in range(0, count, per_page)
    ]
    for n, page in enumerate(pages):
        page["next_cursor"] = f"c{n + 1:05d}"
    return pages


def test_lapor_poller_killed_mid_run_resumes_from_its_cursor(
    tmp_path: Path, long_run: bool
) -> None:
    items, kills = (600, 20) if long_run else (60, 3)
    server = FeedServer()
    feed = LaporFeed(server, _lapor_pages(items, per_page=2), token="rahasia-mitra")
    answer = server.routes[PATH]
    server.routes[PATH] = lambda q, h: (time.sleep(0.05), answer(q, h))[1]  # a slow partner
    try:
        run = PollRun(
            tmp_path,
            {
                "INTAKE_LAPOR1708__FEED_URL": feed.url,
                "INTAKE_LAPOR1708__TOKEN": "rahasia-mitra",
                "INTAKE_LAPOR1708__PAGE_SIZE": "2",
                "INTAKE_LAPOR1708__POLL_INTERVAL_S": "0.2",
            },
        )
        done, recover = _kill_and_restart(run, "lapor1708", items, kills, seed=8)
    finally:
        server.close()
    rows, distinct = run.stored("lapor1708")
    figures = record(
        Figures(
            scenario="LAPOR feed poller SIGKILL",
            messages_sent=items,
            lost=items - distinct,
            duplicated=rows - distinct,
            recover_s=round(recover, 2),
            faults=done,
            notes={"inbox_rows": rows, "feed_requests": len(server.requests)},
        )
    )
    assert figures.clean, figures
    assert json.loads(json.dumps(figures.notes))["inbox_rows"] == items
