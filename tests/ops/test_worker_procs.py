"""`intake worker --processes 2` on Redis: SIGTERM mid-burst, restart, nothing lost or doubled,
and the children's metrics summed on the parent's port."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import dramatiq
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from config.settings import get_settings
from connectors.contract import Location, Sender
from connectors.intake import accept
from pipeline import migrate
from pipeline.broker import build_broker, configure_broker
from pipeline.crm import reset_clients
from pipeline.db import reset_engine
from tests.conftest import REDIS_TEST_URL
from tests.ops.procs import ROOT, Proc, intake_env, query
from tests.pipeline.conftest import message

pytestmark = pytest.mark.slow  # real `intake` processes: scheduled first under xdist

SAMPLE = ROOT / "intake" / "samples" / "sample.jsonl"


@pytest.fixture
def burst(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[dramatiq.Broker]:
    """The sample complaints stored and queued on Redis, with no worker running yet."""
    env = intake_env(tmp_path, REDIS_URL=REDIS_TEST_URL)
    for key in ("INTAKE_VAR_DIR", "DATABASE_URL", "REDIS_URL", "INTAKE_CRM__DATABASE_URL"):
        monkeypatch.setenv(key, env[key])
    get_settings.cache_clear()
    reset_engine()
    reset_clients()
    migrate.upgrade()
    broker = configure_broker(get_settings(), build_broker(get_settings()))
    broker.flush_all()  # type: ignore[attr-defined]
    lines = [ln for ln in SAMPLE.read_text(encoding="utf-8").splitlines() if ln.startswith("{")]
    for i, line in enumerate(lines):
        item = json.loads(line)
        location = Location(**item["location"]) if item.get("location") else None
        accept(
            message(
                item["text"],
                channel="import",
                external_id=f"burst-{i}",
                sender=Sender(handle=f"warga-{i:03d}"),
                location=location,
            )
        )
    yield broker
    broker.flush_all()  # type: ignore[attr-defined]
    broker.close()
    reset_clients()
    reset_engine()
    get_settings.cache_clear()


def _settled(db: Path) -> bool:
    waiting = query(
        db,
        "SELECT (SELECT count(*) FROM inbox_message WHERE state = 'received')"
        " + (SELECT count(*) FROM report WHERE state IN ('new', 'ready'))"
        " + (SELECT count(*) FROM outbox_reply WHERE state IN ('pending', 'sending'))",
    )
    return bool(waiting) and waiting[0][0] == 0


def _metrics_port(proc: Proc) -> int | None:
    ports = [e["port"] for e in proc.events() if e.get("event") == "metrics_server_started"]
    return ports[0] if ports else None


def _runs(port: int) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "intake_actor_runs_total" and sample.labels["outcome"] == "success"
    )


def test_worker_sigterm_mid_burst_then_restart(tmp_path: Path, burst: dramatiq.Broker) -> None:
    db = tmp_path / "var" / "intake.db"
    total = len(query(db, "SELECT id FROM inbox_message"))
    env = intake_env(tmp_path, REDIS_URL=REDIS_TEST_URL, INTAKE_OPS__WORKER_METRICS_PORT="0")
    args = ("worker", "--processes", "2", "--threads", "2")
    first = Proc.intake(tmp_path, "worker1", *args, env=env)
    try:
        first.wait_for(
            "some work done",
            lambda: len(query(db, "SELECT id FROM inbox_message WHERE state != 'received'")) >= 2,
            timeout=180,
        )
        assert first.terminate() == 0
    finally:
        first.kill()

    second = Proc.intake(tmp_path, "worker2", *args, env=env)
    try:
        second.wait_for("every message settled", lambda: _settled(db), timeout=240)
        port = second.wait_for("the metrics port", lambda: _metrics_port(second))
        assert _runs(port) >= 1  # both children's counters, summed by the parent
        assert second.terminate() == 0
    finally:
        second.kill()

    per_message = query(db, "SELECT inbox_message_id, count(*) FROM report GROUP BY 1")
    assert len(per_message) == total and {n for _i, n in per_message} == {1}
    pushed = query(db, "SELECT count(*) FROM report WHERE state = 'pushed'")[0][0]
    tickets = query(tmp_path / "var" / "crm_core.db", "SELECT count(*) FROM crm_request")[0][0]
    assert pushed >= 1 and tickets == pushed  # no doubled CRM ticket
    lines = (tmp_path / "var" / "replies" / "import.jsonl").read_text().splitlines()
    keys = [json.loads(line)["idempotency_key"] for line in lines]
    assert len(keys) == len(set(keys))  # no reply sent twice


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _supervised_pair(tmp_path: Path) -> tuple[Proc, list[int]]:
    """`intake worker --processes 2` with both children up and consuming."""
    env = intake_env(tmp_path, REDIS_URL=REDIS_TEST_URL, INTAKE_OPS__WORKER_METRICS_PORT="-1")
    proc = Proc.intake(tmp_path, "worker", "worker", "--processes", "2", env=env)
    try:
        children = proc.wait_for(
            "two children", lambda: [c for c in [_children(proc.popen.pid)] if len(c) == 2]
        )[0]
        proc.wait_for("a worker started", lambda: "worker_started" in proc.output(), timeout=120)
    except BaseException:
        proc.kill()
        raise
    return proc, children


def test_a_dead_child_stops_the_set_so_the_runner_restarts_it(
    tmp_path: Path, burst: dramatiq.Broker
) -> None:
    proc, children = _supervised_pair(tmp_path)
    try:
        os.kill(children[0], signal.SIGKILL)  # the OOM killer, say
        assert proc.popen.wait(timeout=90) == 128 + signal.SIGKILL
    finally:
        proc.kill()
    assert "stopping the others" in proc.output()
    assert not any(Path(f"/proc/{pid}").exists() for pid in children)


def test_children_stop_when_the_supervisor_is_killed(
    tmp_path: Path, burst: dramatiq.Broker
) -> None:
    proc, children = _supervised_pair(tmp_path)
    try:
        proc.popen.kill()  # SIGKILL: the supervisor forwards nothing
        proc.popen.wait()
        deadline = time.monotonic() + 90
        while any(Path(f"/proc/{pid}").exists() for pid in children):
            assert time.monotonic() < deadline, "orphaned workers kept running"
            time.sleep(0.5)
    finally:
        proc.kill()
    assert "worker supervisor is gone: stopping" in proc.output()
