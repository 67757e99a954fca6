"""Full-pipeline throughput: intake -> CRM ticket -> reply queued, next to the no-op ceiling.

    uv run python -m bench.replay [--count 20000] [--skip-postgres]

Prints reports/s for the embedded default (SQLite + in-process broker) and for PostgreSQL +
Redis with 2 worker processes, each beside a no-op dramatiq actor's messages/s on the same broker.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from intake.synth import generate

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
HISTORY = 820_000  # completed reports 2017-2022 (seeds/001)
console = Console(stderr=True)


def _write(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for line in generate(count, seed=42):
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def _replay(
    workdir: Path, source: Path, env: dict[str, str], *extra: str
) -> tuple[float, float, str]:
    cmd = [sys.executable, "-m", "intake"]
    env = (
        {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
        | env
        | {"INTAKE_VAR_DIR": str(workdir / "var"), "INTAKE_LOG_LEVEL": "WARNING"}
    )
    subprocess.run([*cmd, "db", "upgrade"], env=env, check=True, capture_output=True)  # noqa: S603
    cpu_before = _children_cpu()
    start = time.perf_counter()
    done = subprocess.run(
        [*cmd, "replay", str(source), *extra],
        env=env,  # noqa: S603
        capture_output=True,
        text=True,
        check=True,
    )
    summary = next((ln for ln in done.stderr.splitlines() if ln.startswith("summary:")), "")
    return time.perf_counter() - start, _children_cpu() - cpu_before, summary


def _children_cpu() -> float:
    """CPU seconds used by finished child processes (replay and the workers it spawned).

    Unlike wall time this barely moves when other jobs share the machine, so it compares runs
    made on a busy machine; the database server's own CPU (PostgreSQL) is not included.
    """
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _ceiling(redis_url: str, count: int) -> float:
    code = (
        "import sys, bench.noop_ceiling as b; "
        f"print(b.redis({count}) if {bool(redis_url)!r} else b.in_process({count}))"
    )
    env = dict(os.environ, BENCH_REDIS_URL=redis_url)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,  # noqa: S603
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def _pg_database() -> str:
    name = f"intake_bench_{uuid.uuid4().hex[:8]}"
    subprocess.run(["psql", PG_ADMIN, "-q", "-c", f"CREATE DATABASE {name}"], check=True)  # noqa: S607
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"


def main(count: int = 20_000, skip_postgres: bool = False) -> None:
    """Run both modes and print the table."""
    table = Table(title=f"Full pipeline, {count:,} messages (intake -> CRM ticket -> reply)")
    for col in (
        "mode",
        "reports/s",
        "CPU ms/report",
        "no-op ceiling msgs/s",
        "ratio",
        "820k history",
        "outcomes",
    ):
        table.add_column(col)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "messages.jsonl"
        _write(source, count)
        modes = [("embedded (SQLite, in-process)", {}, ())]
        if not skip_postgres:
            import redis  # noqa: PLC0415

            redis.Redis.from_url(REDIS_URL).flushdb()
            url = _pg_database()
            modes.append(
                (
                    "PostgreSQL + Redis, 2 workers",
                    {"DATABASE_URL": url, "REDIS_URL": REDIS_URL, "INTAKE_CRM__DATABASE_URL": url},
                    ("--spawn-workers", "2"),
                )
            )
        for index, (name, env, extra) in enumerate(modes):
            console.print(f"[bold]{name}[/]: replaying ...")
            elapsed, cpu, summary = _replay(Path(tmp) / f"m{index}", source, env, *extra)
            rate = count / elapsed
            ceiling = _ceiling(env.get("REDIS_URL", ""), min(count * 4, 50_000))
            hours = HISTORY / rate / 3600
            cpu_ms = cpu / count * 1000
            console.print(
                f"  {rate:,.1f} reports/s, {cpu_ms:.1f} CPU ms/report, "
                f"ceiling {ceiling:,.0f} msgs/s, {summary}"
            )
            table.add_row(
                name,
                f"{rate:,.0f}",
                f"{cpu_ms:.1f}",
                f"{ceiling:,.0f}",
                f"{rate / ceiling:.2f}",
                f"{hours:.2f} h",
                summary.removeprefix("summary: "),
            )
    Console().print(table)


if __name__ == "__main__":
    typer.run(main)
