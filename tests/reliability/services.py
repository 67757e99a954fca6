"""Throwaway Redis and PostgreSQL servers on ephemeral loopback ports, ours to crash and restart.

The machine's shared Redis (6379) and PostgreSQL (5432) are never restarted: every fault
scenario that takes a server down starts its own in a temporary directory.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import redis

from crm_core.serve import free_port

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _wait(check: object, what: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():  # type: ignore[operator]
                return
        except Exception:  # noqa: BLE001, S110 - not up yet
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up in {timeout_s:.0f} s")


class OwnRedis:
    """A redis-server of our own; `crash()` SIGKILLs it, `start()` brings it back on its port."""

    def __init__(self, appendonly: bool) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="intake-redis-"))
        self.port = free_port()
        self.appendonly = appendonly
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Base URL (database 0)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (or restart) the server with the same port and data directory."""
        # appendfsync everysec is the production setting (DESIGN.md): a crash loses <= 1 s.
        args = [
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(self.dir),
            "--save",
            "",
            "--appendonly",
            "yes" if self.appendonly else "no",
            "--appendfsync",
            "everysec",
            "--protected-mode",
            "no",
        ]
        self.proc = subprocess.Popen(  # noqa: S603
            ["redis-server", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _wait(lambda: redis.Redis.from_url(self.url).ping(), f"redis on {self.port}")

    def crash(self) -> None:
        """SIGKILL: no shutdown save, whatever was only in memory is gone."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None

    def __enter__(self) -> OwnRedis:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnPostgres:
    """A PostgreSQL 15 cluster of our own (initdb refuses root: it runs as user postgres)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="intake-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._user = "postgres" if os.geteuid() == 0 else ""

    @property
    def url(self) -> str:
        """URL of the `intake` database."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/intake"

    def _run(self, *cmd: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        full = ["runuser", "-u", self._user, "--", *cmd] if self._user else list(cmd)
        return subprocess.run(full, check=check, capture_output=True, timeout=120)  # noqa: S603

    def init(self) -> None:
        """initdb with trust auth on loopback, then create the `intake` database."""
        if self._user:
            ids = pwd.getpwnam(self._user)
            os.chown(self.dir, ids.pw_uid, ids.pw_gid)
        self._run(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-instructions",
        )
        self.start()
        self._run(
            str(PG_BIN / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "intake",
        )

    def start(self) -> None:
        """Start the cluster and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c max_connections=200"
        )
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.dir / "server.log"),
            "-w",
            "-t",
            "60",
            "start",
        )

    def crash(self) -> None:
        """Immediate stop: no checkpoint, every client connection cut (like a crash)."""
        self._run(
            str(PG_BIN / "pg_ctl"),
            "-D",
            str(self.data),
            "-m",
            "immediate",
            "-w",
            "stop",
            check=False,
        )

    def __enter__(self) -> OwnPostgres:
        self.init()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)
