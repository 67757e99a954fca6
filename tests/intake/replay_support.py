"""Running `intake replay` as a real process and checking exactly-once outcomes afterwards."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from intake.synth import generate


@dataclass
class Run:
    """Where one replay setup keeps its state."""

    tmp: Path
    database_url: str = ""
    redis_url: str = ""

    @property
    def var_dir(self) -> Path:
        return self.tmp / "var"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'intake.db'}"

    @property
    def crm_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'crm_core.db'}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")}
        env |= {
            "INTAKE_VAR_DIR": str(self.var_dir),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "INTAKE_CRM__DATABASE_URL": self.database_url,
            "INTAKE_LOG_LEVEL": "WARNING",
            "INTAKE_PIPELINE__SWEEP_INTERVAL_S": "5",
        }
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "intake", *args]

    def replay(
        self, path: Path, *extra: str, timeout: float = 600
    ) -> subprocess.CompletedProcess[str]:
        """Run `intake replay` to completion."""
        if self.database_url:
            subprocess.run(
                self.command("db", "upgrade"),
                env=self.env(),
                check=True,
                capture_output=True,
                timeout=120,
            )
        return subprocess.run(
            self.command("replay", str(path), *extra),
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start_replay(self, path: Path, *extra: str) -> subprocess.Popen[str]:
        """Start `intake replay` in its own process group (so the test can kill the group)."""
        return subprocess.Popen(
            self.command("replay", str(path), *extra),
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def count(self, sql: str, url: str | None = None) -> int:
        engine = create_engine(_sync_url(url or self.db_url))
        try:
            with engine.connect() as conn:
                return int(conn.execute(text(sql)).scalar() or 0)
        finally:
            engine.dispose()


def _sync_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def write_synthetic(path: Path, count: int, seed: int = 7) -> Path:
    """A JSONL file of `count` synthetic complaints."""
    with path.open("w", encoding="utf-8") as fh:
        for line in generate(count, seed=seed):
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    return path


def outcomes(stdout: str) -> list[dict[str, object]]:
    """The JSON lines `intake replay` printed."""
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def assert_exactly_once(run: Run, messages: int) -> dict[str, int]:
    """Every message: one inbox row, one report; every pushed report: one CRM ticket; every
    reply kind of a report: one outbox row, sent once (the reply file has no repeated key)."""
    figures = {
        "inbox": run.count("SELECT count(*) FROM inbox_message"),
        "reports": run.count("SELECT count(*) FROM report"),
        "pushed": run.count("SELECT count(*) FROM report WHERE state = 'pushed'"),
        "tickets": run.count("SELECT count(*) FROM crm_request", run.crm_url),
        "outbox": run.count("SELECT count(*) FROM outbox_reply"),
        "outbox_sent": run.count("SELECT count(*) FROM outbox_reply WHERE state = 'sent'"),
        "unsettled_inbox": run.count("SELECT count(*) FROM inbox_message WHERE state = 'received'"),
        "failed_inbox": run.count("SELECT count(*) FROM inbox_message WHERE state = 'failed'"),
        "unsettled_reports": run.count(
            "SELECT count(*) FROM report WHERE state IN ('new', 'ready')"
        ),
    }
    replies_file = run.var_dir / "replies" / "import.jsonl"
    keys = (
        Counter(
            json.loads(line)["idempotency_key"]
            for line in replies_file.read_text(encoding="utf-8").splitlines()
        )
        if replies_file.exists()
        else Counter()
    )
    figures["replies_sent"] = sum(keys.values())
    figures["replies_doubled"] = sum(n - 1 for n in keys.values() if n > 1)
    assert figures["inbox"] == messages, figures
    assert figures["failed_inbox"] == 0, figures  # a normalizer crash is a bug, not an outcome
    assert figures["reports"] == messages, figures
    assert figures["unsettled_inbox"] == 0 and figures["unsettled_reports"] == 0, figures
    assert figures["tickets"] == figures["pushed"], figures
    assert figures["replies_doubled"] == 0, figures
    assert figures["outbox_sent"] == figures["outbox"] == figures["replies_sent"], figures
    return figures
