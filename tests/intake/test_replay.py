"""`intake replay` end to end: outcomes printed, reruns idempotent, kills lose and double nothing."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from intake.cli import SAMPLE
from tests.conftest import REDIS_TEST_URL
from tests.intake.replay_support import (
    Run,
    assert_exactly_once,
    outcomes,
    write_synthetic,
)

pytestmark = pytest.mark.slow  # real `intake` processes: scheduled first under xdist

KEYS = {
    "external_id",
    "channel",
    "outcome",
    "reference",
    "tracking_number",
    "duplicate_of",
    "reasons",
    "kota_code",
    "kecamatan_code",
    "kelurahan_code",
    "category",
}
OUTCOMES = {
    "pushed",
    "needs_review",
    "needs_info",
    "duplicate",
    "rejected",
    "answered",
    "held",
    "failed",
}


def test_sample_replay_prints_one_outcome_per_valid_line(tmp_path: Path) -> None:
    run = Run(tmp_path)
    result = run.replay(SAMPLE)
    assert result.returncode == 0, result.stderr
    lines = outcomes(result.stdout)
    valid = [raw for raw in SAMPLE.read_text().splitlines() if raw.startswith("{")]
    assert len(lines) == len(valid)
    assert all(set(line) == KEYS and line["outcome"] in OUTCOMES for line in lines)
    assert f"{SAMPLE}:10: skipped malformed line" in result.stderr
    assert "summary:" in result.stderr
    first, repeat = lines[0], lines[-1]
    assert first["external_id"] == repeat["external_id"] == "sample-001"
    assert first["reference"] == repeat["reference"]  # the repeated line is the same report


def test_replaying_the_same_file_twice_creates_nothing_new(tmp_path: Path) -> None:
    run = Run(tmp_path)
    messages = write_synthetic(tmp_path / "in.jsonl", 60)
    first = run.replay(messages)
    assert first.returncode == 0, first.stderr
    figures = assert_exactly_once(run, 60)
    second = run.replay(messages)
    assert second.returncode == 0, second.stderr
    assert assert_exactly_once(run, 60) == figures
    assert outcomes(first.stdout) == outcomes(second.stdout)


def _kill_midway(run: Run, path: Path, *extra: str, after_reports: int) -> None:
    proc = run.start_replay(path, *extra)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        time.sleep(0.1)  # a cheap count: poll often, so the kill lands well before the end
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            if run.count("SELECT count(*) FROM report") >= after_reports:
                break
        except Exception:  # noqa: BLE001 - database not created yet
            continue
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def test_replay_killed_midway_then_rerun_loses_and_doubles_nothing(tmp_path: Path) -> None:
    run = Run(tmp_path)
    messages = write_synthetic(tmp_path / "in.jsonl", 300)
    # Killed early (a fifth in): on a busy machine the poll below may see the count late.
    _kill_midway(run, messages, after_reports=60)
    assert run.count("SELECT count(*) FROM report") < 300  # really killed midway
    result = run.replay(messages)
    assert result.returncode == 0, result.stderr
    assert len(outcomes(result.stdout)) == 300
    assert_exactly_once(run, 300)


@pytest.mark.postgres
@pytest.mark.redis
def test_replay_on_postgres_with_redis_workers(tmp_path: Path, pg_database_url: str) -> None:
    run = Run(tmp_path, database_url=pg_database_url, redis_url=REDIS_TEST_URL)
    _flush_redis()
    messages = write_synthetic(tmp_path / "in.jsonl", 100)
    result = run.replay(messages, "--spawn-workers", "2")
    assert result.returncode == 0, result.stderr
    lines = outcomes(result.stdout)
    assert len(lines) == 100 and {line["outcome"] for line in lines} <= OUTCOMES
    assert_exactly_once(run, 100)


@pytest.mark.postgres
@pytest.mark.redis
def test_postgres_redis_replay_killed_midway_then_rerun(
    tmp_path: Path, pg_database_url: str
) -> None:
    run = Run(tmp_path, database_url=pg_database_url, redis_url=REDIS_TEST_URL)
    _flush_redis()
    messages = write_synthetic(tmp_path / "in.jsonl", 150)
    run.replay(tmp_path / "empty.jsonl") if (tmp_path / "empty.jsonl").write_text("") == 0 else None
    _kill_midway(run, messages, "--spawn-workers", "2", after_reports=40)
    assert run.count("SELECT count(*) FROM report") < 150  # really killed midway
    result = run.replay(messages, "--spawn-workers", "2")
    assert result.returncode == 0, result.stderr
    assert_exactly_once(run, 150)


def _flush_redis() -> None:
    import redis  # noqa: PLC0415

    redis.Redis.from_url(REDIS_TEST_URL).flushdb()
