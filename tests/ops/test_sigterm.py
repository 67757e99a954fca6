"""SIGTERM: every long-lived process stops cleanly (exit 0) and a restart loses or doubles nothing."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.feeds import FeedServer, LaporFeed
from tests.ops.procs import Proc, intake_env, listening_port, query

pytestmark = pytest.mark.slow  # real `intake` processes: scheduled first under xdist

FIXTURES = Path(__file__).parents[1] / "fixtures" / "lapor1708"
PAGES = [json.loads((FIXTURES / f"feed_page_{n}.json").read_text()) for n in (1, 2)]
TOKEN = "rahasia-mitra"  # noqa: S105 - the fake partner's token


@pytest.fixture
def feed() -> Iterator[tuple[FeedServer, LaporFeed]]:
    server = FeedServer()
    yield server, LaporFeed(server, copy.deepcopy(PAGES), token=TOKEN)
    server.close()


def _third_page() -> dict[str, Any]:
    """One more report published by the partner while the poller was down."""
    item = dict(PAGES[1]["data"][0])
    item.update(tracking_id="4821930", content="Lampu PJU mati di Jl. Kemang Raya sejak Senin.")
    return {"status": "success", "data": [item], "next_cursor": "eyJpZCI6NDgyMTkzMH0"}


def _inbox(db: Path) -> list[tuple[Any, ...]]:
    return query(db, "SELECT external_id, state FROM inbox_message ORDER BY external_id")


def test_poller_stops_on_sigterm_and_resumes_from_its_checkpoint(
    tmp_path: Path, feed: tuple[FeedServer, LaporFeed]
) -> None:
    server, lapor = feed
    env = intake_env(
        tmp_path,
        INTAKE_LAPOR1708__FEED_URL=lapor.url,
        INTAKE_LAPOR1708__TOKEN=TOKEN,
        INTAKE_LAPOR1708__PAGE_SIZE="2",
        INTAKE_LAPOR1708__POLL_INTERVAL_S="0.3",
    )
    db = tmp_path / "var" / "intake.db"
    first = Proc.intake(tmp_path, "poll1", "poll", "lapor1708", env=env)
    try:
        first.wait_for("both pages stored", lambda: len(_inbox(db)) == 4)
        assert first.terminate() == 0
    finally:
        first.kill()
    assert "poller_exit" in first.output()
    [(cursor,)] = query(db, "SELECT cursor FROM poller_checkpoint WHERE channel = 'lapor1708'")
    assert json.loads(cursor) == {"cursor": PAGES[1]["next_cursor"]}

    lapor.pages.append(_third_page())
    asked_before = len(server.requests)
    second = Proc.intake(tmp_path, "poll2", "poll", "lapor1708", env=env)
    try:
        second.wait_for("the new report", lambda: len(_inbox(db)) == 5)
        assert second.terminate() == 0
    finally:
        second.kill()
    # the restart asked from the saved cursor, not from the beginning of the feed
    assert server.requests[asked_before][1]["cursor"] == [PAGES[1]["next_cursor"]]
    rows = _inbox(db)
    assert [ext for ext, state in rows if state == "received"] == [
        "4821907",
        "4821911",
        "4821915",
        "4821930",
    ]
    assert [state for _ext, state in rows].count("malformed") == 1  # the item without text


@pytest.mark.parametrize("command", [["web"], ["run"]])
def test_web_and_run_drain_and_exit_zero(tmp_path: Path, command: list[str]) -> None:
    proc = Proc.intake(
        tmp_path,
        command[0],
        *command,
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        env=intake_env(tmp_path),
    )
    try:
        port = proc.wait_for("uvicorn to listen", lambda: listening_port(proc))
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json() == {"status": "ok"}
        assert proc.terminate() == 0
    finally:
        proc.kill()
    assert "shutdown_requested" in proc.output()


def test_clock_exits_zero_on_sigterm(tmp_path: Path) -> None:
    env = intake_env(tmp_path, INTAKE_PIPELINE__SWEEP_INTERVAL_S="0.5")
    proc = Proc.intake(tmp_path, "clock", "clock", env=env)
    try:
        proc.wait_for("start-up", lambda: "broker_configured" in proc.output())
        assert proc.terminate() == 0
    finally:
        proc.kill()
