"""`intake poll lapor1708` as the long-lived process ops run: stores, then stops on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.feeds import FeedServer, LaporFeed

ROOT = Path(__file__).parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "lapor1708"


def _checkpoint(db: Path) -> str:
    try:
        with sqlite3.connect(db) as conn:
            rows = conn.execute("SELECT cursor FROM poller_checkpoint").fetchall()
    except sqlite3.Error:
        return ""
    return str(rows)


def test_poll_process_stores_the_feed_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    pages = [json.loads((FIXTURES / f"feed_page_{n}.json").read_text()) for n in (1, 2)]
    server = FeedServer()
    feed = LaporFeed(server, pages, token="t0k")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("INTAKE_", "DATABASE_URL", "REDIS_URL"))
    }
    env |= {
        "INTAKE_VAR_DIR": str(tmp_path / "var"),
        "INTAKE_LAPOR1708__FEED_URL": feed.url,
        "INTAKE_LAPOR1708__TOKEN": "t0k",
        "INTAKE_LAPOR1708__POLL_INTERVAL_S": "300",
        "INTAKE_LAPOR1708__PAGE_SIZE": "2",
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "intake", "poll", "lapor1708"],  # noqa: S603
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    db = tmp_path / "var" / "intake.db"
    try:
        deadline = time.monotonic() + 60
        while "eyJpZCI6NDgyMTkxOH0" not in _checkpoint(db) and time.monotonic() < deadline:
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)  # now waiting out its 300 s interval
        started = time.monotonic()
        output = proc.communicate(timeout=30)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
        server.close()
    assert proc.returncode == 0, output[-2000:]
    assert time.monotonic() - started < 10  # does not sit out the poll interval
    with sqlite3.connect(db) as conn:
        stored = conn.execute(
            "SELECT external_id FROM inbox_message WHERE state != 'malformed' ORDER BY id"
        ).fetchall()
    assert [r[0] for r in stored] == ["4821907", "4821911", "4821915"]
    assert "poller_exit" in output
