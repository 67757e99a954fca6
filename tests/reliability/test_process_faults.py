"""Processes and servers die mid-replay on PostgreSQL + Redis: nothing is lost or doubled.

Each scenario replays synthetic complaints with `intake replay` (its own process) while real
`intake worker` and `intake clock` processes run, injects its fault, waits for the replay to
settle and records the figures (tests/reliability/report.py).
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.intake.replay_support import assert_exactly_once, write_synthetic
from tests.reliability.conftest import redis_db
from tests.reliability.fleet import FaultRun, Fleet, ReplayLoop, measure
from tests.reliability.report import Figures, record
from tests.reliability.services import OwnPostgres, OwnRedis

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow, pytest.mark.timeout(1800)]


def _reports(run: FaultRun) -> int:
    try:
        return run.count("SELECT count(*) FROM report")
    except Exception:  # noqa: BLE001 - the database may be the thing that is down
        return 0


def _wait_for_progress(run: FaultRun, fleet: Fleet, loop: ReplayLoop, reports: int) -> None:
    """Let the pipeline get going before the fault: a fault on an idle system proves little."""
    deadline = time.monotonic() + 300
    while loop.is_alive() and _reports(run) < reports and time.monotonic() < deadline:
        fleet.respawn_exited()
        time.sleep(0.2)


def _settle(fleet: Fleet, loop: ReplayLoop, timeout_s: float = 900) -> None:
    deadline = time.monotonic() + timeout_s
    while loop.is_alive() and time.monotonic() < deadline:
        fleet.respawn_exited()
        loop.join(timeout=1.0)


def _finish(run: FaultRun, loop: ReplayLoop, figures: Figures, last_fault: float) -> Figures:
    figures.recover_s = round(max(0.0, loop.settled_at - last_fault), 2)
    figures.notes["replay_restarts"] = loop.restarts
    record(figures)
    assert loop.settled_at, f"replay never settled: {loop.stderr}"
    assert figures.clean, figures
    assert_exactly_once(run, figures.messages_sent)
    return figures


def test_worker_sigkills_during_replay(
    tmp_path: Path, pg_database_url: str, long_run: bool
) -> None:
    kills, messages = (100, 1500) if long_run else (5, 150)
    run = FaultRun(tmp_path, database_url=pg_database_url, redis_url=redis_db(8))
    run.upgrade()
    path = write_synthetic(tmp_path / "in.jsonl", messages, seed=11)
    rng = random.Random(20261123)
    with Fleet(run, workers=2) as fleet:
        loop = ReplayLoop(run, path, timeout_s=1200)
        loop.start()
        while fleet.kills < kills and loop.is_alive():
            time.sleep(rng.uniform(0.3, 2.0))  # a random point: booting, fetching, mid-actor
            fleet.kill_one(rng)
        last_fault = time.monotonic()
        _settle(fleet, loop)
    figures = measure(run, "worker SIGKILL x N (PG+Redis)", messages)
    figures.faults = fleet.kills
    _finish(run, loop, figures, last_fault)
    assert fleet.kills >= min(kills, 3)


def _crash_server_during_replay(
    run: FaultRun, server: OwnRedis | OwnPostgres, crashes: int, messages: int, seed: int
) -> tuple[ReplayLoop, float]:
    """Replay while crashing `server` `crashes` times at spread-out points; (loop, last fault)."""
    rng = random.Random(seed)
    run.upgrade()
    path = write_synthetic(run.tmp / "in.jsonl", messages, seed=seed)
    with Fleet(run, workers=2) as fleet:
        loop = ReplayLoop(run, path, timeout_s=1200)
        loop.start()
        for n in range(crashes):
            _wait_for_progress(run, fleet, loop, messages * (n + 1) // (crashes + 2))
            server.crash()  # Redis: SIGKILL; PostgreSQL: immediate stop, connections cut
            time.sleep(rng.uniform(1.0, 3.0))
            server.start()
        last_fault = time.monotonic()
        _settle(fleet, loop)
    return loop, last_fault


@pytest.mark.parametrize("appendonly", [True, False], ids=["aof", "no-aof"])
def test_redis_crash_mid_replay(
    tmp_path: Path, pg_database_url: str, long_run: bool, appendonly: bool
) -> None:
    crashes, messages = (5, 1000) if long_run else (1, 150)
    with OwnRedis(appendonly=appendonly) as server:
        # Without AOF every queued message is gone after the crash: the sweeper must redo them.
        run = FaultRun(tmp_path, database_url=pg_database_url, redis_url=server.url)
        loop, last_fault = _crash_server_during_replay(run, server, crashes, messages, seed=12)
    mode = "AOF" if appendonly else "no AOF"
    figures = measure(run, f"Redis SIGKILL+restart ({mode})", messages)
    figures.faults = crashes
    _finish(run, loop, figures, last_fault)


def test_postgres_crash_mid_replay(tmp_path: Path, long_run: bool) -> None:
    crashes, messages = (5, 1000) if long_run else (1, 150)
    with OwnPostgres() as server:
        run = FaultRun(tmp_path, database_url=server.url, redis_url=redis_db(7))
        loop, last_fault = _crash_server_during_replay(run, server, crashes, messages, seed=13)
        figures = measure(run, "PostgreSQL crash+restart", messages)
        figures.faults = crashes
        _finish(run, loop, figures, last_fault)
