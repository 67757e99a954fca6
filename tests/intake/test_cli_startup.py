"""`intake` imports a subcommand's module only when it runs; `intake --help` imports none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from intake.cli import LAZY, app
from intake.lazy import load

#: What `intake --help` used to pull in through the subcommand modules (~1.2 s of CPU).
HEAVY = ("crm_core", "fastapi", "web.review", "sqlalchemy", "normalizers", "pipeline", "alembic")


def _imported(*args: str) -> tuple[set[str], str]:
    """The modules `python -X importtime -m intake ARGS` imported, and what it printed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTAKE_")} | {"COLUMNS": "160"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "intake", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("| imported package")
    }
    return modules, result.stdout


def test_help_lists_every_command_without_importing_them() -> None:
    modules, shown = _imported("--help")
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m.startswith(HEAVY)}
    for name, lazy in LAZY.items():
        assert f" {name} " in shown and lazy.help in shown
    for eager in ("web", "worker", "replay", "db", "export"):
        assert f" {eager} " in shown


@pytest.mark.parametrize("name", sorted(LAZY))
def test_declared_help_is_the_command_own(name: str) -> None:
    command = load(name, LAZY[name])
    assert command.name == name
    assert LAZY[name].help == (command.help or "").strip().split("\n\n")[0].replace("\n", " ")


def test_a_lazy_command_runs_when_called(tmp_path: Path) -> None:
    texts = tmp_path / "texts.jsonl"
    complaint = (
        "Jalan berlubang di Jl. Kemang Raya depan sekolah, Kel. Bangka, Kec. Mampang Prapatan"
    )
    texts.write_text(json.dumps({"id": "a1", "text": complaint}) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["normalize", "--jsonl", str(texts)])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[-1])
    assert (line["id"], line["kelurahan_code"], line["category"]) == (
        "a1",
        "31.74.03.1002",
        "jalan_rusak",
    )
    group = CliRunner().invoke(app, ["users", "--help"])
    assert group.exit_code == 0 and " add " in group.output
    assert "--install-completion" not in group.output  # built as app.add_typer would
