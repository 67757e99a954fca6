"""Fault scenarios at full size, then a table of what was sent, created, lost and doubled.

    uv run python -m bench.faults                 # every scenario with --long (~30 min)
    uv run python -m bench.faults --quick         # the default-suite sizes (~5 min)
    uv run python -m bench.faults -k redis        # a subset (pytest -k expression)
    uv run python -m bench.faults --fuzz --fuzz-runs 20000   # atheris on every parser

Runs tests/reliability (and the security suite's long variants) through pytest, each scenario
appending one JSON line (tests/reliability/report.py) to a fresh file under var/reliability/,
then prints the table docs/reliability.md quotes. Needs PostgreSQL on 127.0.0.1:5432, Redis on
6379 (databases 5-8), Dovecot, and redis-server/initdb binaries for the servers it crashes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import typer

from tests.reliability.report import load, table

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("twilio", "telegram", "meta", "twitter", "lapor", "email", "feed", "address", "photo")


def run_scenarios(quick: bool, select: str) -> int:
    """pytest over the suites with --long (unless quick); returns pytest's exit code."""
    out = ROOT / "var" / "reliability" / f"faults-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"INTAKE_FAULTS_REPORT": str(out)}
    env.setdefault("TEST_REDIS_URL", "redis://127.0.0.1:6379/8")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "tests/reliability",
        "tests/security",
        "-q",
        "-p",
        "no:cacheprovider",
        "--timeout=3600",
    ]
    cmd += [] if quick else ["--long"]
    cmd += ["-k", select] if select else []
    started = time.monotonic()
    code = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode  # noqa: S603
    figures = load(out)
    print(
        f"\n{len(figures)} scenarios in {time.monotonic() - started:.0f} s "
        f"({'default' if quick else '--long'} sizes), pytest exit {code}; figures: {out}\n"
    )
    print(table(figures))
    for row in figures:
        extra = {k: v for k, v in row.notes.items() if k not in ("pushed",)}
        if extra:
            print(f"  {row.scenario}: {extra}")
    return code


def run_fuzz(runs: int, seconds: int) -> int:
    """Each atheris harness for a bounded number of runs; print runs, coverage and crashes."""
    crashed = 0
    print(f"{'target':10} {'runs':>8} {'cov':>6} {'secs':>6}  result")
    for target in TARGETS:
        started = time.monotonic()
        proc = subprocess.run(  # noqa: S603
            [
                sys.executable,
                "-m",
                "bench.fuzz.harness",
                target,
                f"-runs={runs}",
                f"-max_total_time={seconds}",
                "-timeout=5",
                "-rss_limit_mb=2048",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        log = proc.stderr
        done = re.findall(r"Done (\d+) runs", log)
        cov = re.findall(r"cov: (\d+)", log)
        result = "ok" if proc.returncode == 0 else _crash_line(log, proc.returncode)
        crashed += proc.returncode != 0
        print(
            f"{target:10} {done[-1] if done else '-':>8} {cov[-1] if cov else '-':>6} "
            f"{time.monotonic() - started:6.0f}  {result}"
        )
    return 1 if crashed else 0


def _crash_line(log: str, code: int) -> str:
    for line in log.splitlines():
        if "Error" in line or "Uncaught" in line or "timeout" in line.lower():
            return line.strip()[:120]
    return f"exit {code}"


def main(
    fuzz: bool = typer.Option(False, help="Run the atheris harnesses instead of the scenarios."),
    fuzz_runs: int = typer.Option(20_000, help="libFuzzer -runs per target."),
    fuzz_seconds: int = typer.Option(120, help="libFuzzer -max_total_time per target."),
    quick: bool = typer.Option(False, help="Default-suite sizes instead of --long."),
    k: str = typer.Option("", "-k", help="pytest -k expression to pick scenarios."),
) -> None:
    """Run the fault scenarios (or the fuzzers) and print the figures."""
    code = run_fuzz(fuzz_runs, fuzz_seconds) if fuzz else run_scenarios(quick, k)
    raise typer.Exit(code)


if __name__ == "__main__":
    typer.run(main)
