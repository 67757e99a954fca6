"""Real `intake worker` / `intake clock` / `intake replay` processes to kill, and what came out."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tests.intake.replay_support import Run
from tests.reliability.report import Figures

#: Sweeper every 2 s, rows stuck after 5 s: recovery is measured in seconds, not minutes.
FAST_SWEEP = {
    "INTAKE_PIPELINE__STUCK_AFTER_S": "5",
    "INTAKE_PIPELINE__SWEEP_INTERVAL_S": "2",
    "INTAKE_PIPELINE__WORKER_THREADS": "4",
    # Several workers share this host: the default fixed metrics port (9191) would let only
    # the first one start, and would collide with other people's workers on a shared machine.
    "INTAKE_OPS__WORKER_METRICS_PORT": "0",
}


@dataclass
class FaultRun(Run):
    """A replay setup whose processes sweep fast and may carry extra settings."""

    extra: dict[str, str] = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        return super().env() | FAST_SWEEP | self.extra

    def upgrade(self) -> None:
        """Migrate the database (worker processes refuse to start on a stale schema)."""
        subprocess.run(  # noqa: S603
            self.command("db", "upgrade"),
            env=self.env(),
            check=True,
            capture_output=True,
            timeout=120,
        )


class Fleet:
    """Worker processes plus one clock (the sweeper), each in its own process group."""

    def __init__(self, run: FaultRun, workers: int = 2) -> None:
        self.run = run
        self.size = workers
        self.workers: list[subprocess.Popen[bytes]] = []
        self.clock: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.log = (run.tmp / "fleet.log").open("ab")

    def _spawn(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(  # noqa: S603
            self.run.command(*args),
            env=self.run.env(),
            stdout=self.log,
            stderr=self.log,
            start_new_session=True,
        )

    def start(self) -> Fleet:
        """Start the workers and the clock."""
        self.workers = [self._spawn("worker") for _ in range(self.size)]
        self.clock = self._spawn("clock")
        return self

    def respawn_exited(self) -> None:
        """A process that died on its own (e.g. its database went away) is started again."""
        self.workers = [w if w.poll() is None else self._spawn("worker") for w in self.workers]
        if self.clock is not None and self.clock.poll() is not None:
            self.clock = self._spawn("clock")

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL one worker's whole process group, then start a fresh worker in its place."""
        index = rng.randrange(len(self.workers))
        victim = self.workers[index]
        _killpg(victim, signal.SIGKILL)
        self.kills += 1
        self.workers[index] = self._spawn("worker")

    def stop(self) -> None:
        """SIGTERM everyone, SIGKILL whoever is still there after 20 s."""
        procs = [*self.workers, *([self.clock] if self.clock else [])]
        for proc in procs:
            _killpg(proc, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _killpg(proc, signal.SIGKILL)
        self.log.close()

    def __enter__(self) -> Fleet:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _killpg(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        return
    if sig == signal.SIGKILL:
        proc.wait(timeout=30)


class ReplayLoop(threading.Thread):
    """Runs `intake replay` until one run ends cleanly; a run a fault broke is run again."""

    def __init__(self, run: FaultRun, path: Path, timeout_s: float) -> None:
        super().__init__(name="replay-loop", daemon=True)
        self.run_, self.path, self.timeout_s = run, path, timeout_s
        self.restarts = 0
        self.settled_at = 0.0
        self.stderr = ""

    def run(self) -> None:
        deadline = time.monotonic() + self.timeout_s
        while time.monotonic() < deadline:
            try:
                result = self.run_.replay(self.path, timeout=max(1, deadline - time.monotonic()))
            except subprocess.SubprocessError as exc:  # db upgrade failed: server is down
                self.stderr = str(exc)
            else:
                self.stderr = result.stderr[-2000:]
                if result.returncode == 0:
                    self.settled_at = time.monotonic()
                    return
            self.restarts += 1
            time.sleep(1.0)


def measure(run: Run, scenario: str, messages: int, **extra: object) -> Figures:
    """Figures for a replay of `messages` synthetic complaints (each must become one report)."""
    count = run.count
    inbox = count("SELECT count(*) FROM inbox_message")
    reports = count("SELECT count(*) FROM report")
    unsettled = count("SELECT count(*) FROM report WHERE state IN ('new', 'ready')")
    pushed = count("SELECT count(*) FROM report WHERE state = 'pushed'")
    tickets = count("SELECT count(*) FROM crm_request", run.crm_url)
    ticket_refs = count("SELECT count(DISTINCT reference) FROM crm_request", run.crm_url)
    unsent = count("SELECT count(*) FROM outbox_reply WHERE state <> 'sent'")
    keys = _reply_keys(run.var_dir / "replies" / "import.jsonl")
    doubled = sum(n - 1 for n in keys.values() if n > 1)
    lost = max(0, messages - inbox) + max(0, inbox - reports) + unsettled + unsent
    duplicated = (tickets - ticket_refs) + max(0, tickets - pushed) + doubled
    return Figures(
        scenario=scenario,
        messages_sent=messages,
        reports_created=reports,
        crm_tickets=tickets,
        replies_sent=sum(keys.values()),
        lost=lost,
        duplicated=duplicated,
        notes={"pushed": pushed, "unsent_replies": unsent, **extra},
    )


def _reply_keys(path: Path) -> Counter[str]:
    if not path.exists():
        return Counter()
    lines = path.read_text(encoding="utf-8").splitlines()
    return Counter(json.loads(line)["idempotency_key"] for line in lines if line.strip())
