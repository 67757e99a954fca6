"""The Procfile works with honcho: it validates, and `honcho start` brings web up and down."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.ops.procs import ROOT, Proc, intake_env, listening_port

HONCHO = str(Path(sys.executable).with_name("honcho"))


def test_procfile_is_valid_with_one_line_per_process() -> None:
    done = subprocess.run(
        [HONCHO, "check", "-f", str(ROOT / "Procfile")], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    names = [line.split(":")[0] for line in (ROOT / "Procfile").read_text().splitlines()]
    processes = [n for n in names if n and not n.startswith("#")]
    assert processes[:3] == ["web", "worker", "clock"]
    assert {"poll_email", "poll_twitter", "poll_lapor1708", "poll_media_massa"} <= set(processes)
    # a process that exits makes honcho stop all others: no one-shot `release:` line
    assert "release" not in processes


def test_honcho_start_brings_web_up_and_sigterm_stops_it(tmp_path: Path) -> None:
    assert shutil.which(HONCHO)
    procfile = tmp_path / "Procfile"
    web_line = (ROOT / "Procfile").read_text().split("\nweb: ")[1].splitlines()[0]
    assert web_line.startswith("exec intake web ")  # as production runs it, on a test address
    procfile.write_text(f"web: exec {sys.executable} -m intake web --host 127.0.0.1 --port $PORT\n")
    env = intake_env(tmp_path)
    honcho = Proc(
        [HONCHO, "start", "-f", str(procfile), "-d", str(ROOT), "--no-colour", "-p", "0"],
        env,
        tmp_path / "honcho.log",
    )
    try:
        port = honcho.wait_for("web to listen", lambda: listening_port(honcho))
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
        assert ready.status_code == 200, ready.text
        # honcho itself answers a SIGTERM with 143 (its own convention, honcho/manager.py)
        assert honcho.terminate() == 143
    finally:
        honcho.kill()
    output = honcho.output()
    assert "shutdown_requested" in output
    assert "web.1 stopped (rc=0)" in output  # intake web drained and exited cleanly
