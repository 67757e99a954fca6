"""Real `intake` subprocesses for the ops tests: start, wait for a condition, SIGTERM, exit code."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def intake_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """An embedded-mode environment under tmp_path, JSON logs, plus extra variables."""
    env = {
        **os.environ,
        "INTAKE_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "INTAKE_CRM__DATABASE_URL": "",
        "INTAKE_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.update(extra)
    return env


class Proc:
    """One subprocess with its output in a file (no pipe to fill up and block it)."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("wb")
        # its own session: kill() can then take the whole process group down with it
        self.popen = subprocess.Popen(  # noqa: S603
            args,
            cwd=ROOT,
            env=env,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @classmethod
    def intake(cls, tmp_path: Path, name: str, *args: str, env: dict[str, str]) -> Proc:
        """`python -m intake ARGS` logging to tmp_path/NAME.log."""
        return cls([sys.executable, "-m", "intake", *args], env, tmp_path / f"{name}.log")

    def output(self) -> str:
        """Everything the process wrote so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def events(self) -> list[dict[str, Any]]:
        """Its JSON log lines."""
        found = []
        for line in self.output().splitlines():
            start = line.find("{")
            if start >= 0:
                try:
                    found.append(json.loads(line[start:]))
                except ValueError:
                    continue
        return found

    def wait_for(self, what: str, check: Callable[[], Any], timeout: float = 90.0) -> Any:
        """Poll check() until it is truthy; fail with the log if the process dies or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            if self.popen.poll() is not None:
                raise AssertionError(
                    f"exited {self.popen.returncode} before {what}:\n{self.output()}"
                )
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}:\n{self.output()[-4000:]}")

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, then the exit code (killed and failed if it does not stop in time)."""
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            message = f"did not stop within {timeout}s of SIGTERM:\n{self.output()}"
            raise AssertionError(message) from None
        finally:
            self._out.close()

    def kill(self) -> None:
        """Clean-up, even after a failed test: the process and everything it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait()
        self._out.close()


def run_intake(
    tmp_path: Path, *args: str, check: bool = False, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run one `intake` command to completion in the embedded environment of tmp_path."""
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "intake", *args],
        cwd=ROOT,
        env=env or intake_env(tmp_path, COLUMNS="200"),
        capture_output=True,
        text=True,
        timeout=240,
        check=check,
    )


def listening_port(proc: Proc) -> int | None:
    """The port uvicorn reports it bound (we start it on port 0)."""
    match = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", proc.output())
    return int(match.group(1)) if match else None


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows from the embedded SQLite database (empty while it does not exist yet)."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # tables not migrated yet
        return []
