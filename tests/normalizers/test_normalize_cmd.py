"""`intake normalize --jsonl FILE` through typer, as the lead registers it."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from intake.normalize_cmd import normalize


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("normalize")(normalize)
    app.command("noop")(lambda: None)  # two commands, so "normalize" is a sub-command as in intake
    return app


def test_writes_one_line_per_record_and_reports_bad_lines(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(
        "\n".join(
            [
                json.dumps(
                    {
                        "id": "a",
                        "text": "Jalan berlubang di Jl. Kramat Raya, Kel. Kenari, Kec. Senen",
                    }
                ),
                "{not json",
                json.dumps(
                    {"id": 7, "text": "lampu mati", "location": {"lat": -6.1754, "lon": 106.8272}}
                ),
                json.dumps({"text": "no id"}),
            ]
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(_app(), ["normalize", "--jsonl", str(src)])
    assert result.exit_code == 0
    lines = [json.loads(x) for x in result.stdout.splitlines() if x.startswith("{")]
    assert [x["id"] for x in lines] == ["a", 7]
    first = lines[0]
    assert first["kelurahan_code"] == "31.71.04.1002" and first["kecamatan_code"] == "31.71.04"
    assert first["kota_code"] == "31.71" and first["confidence"] >= 0.8
    assert first["category"] == "jalan_rusak" and first["opd"] == "Dinas Bina Marga"
    assert set(first) >= {"address", "emergency", "missing"}
    assert lines[1]["kelurahan_code"] == "31.71.01.1001"
    assert "line 2" in result.stderr and "line 4" in result.stderr


def test_missing_file_is_refused(tmp_path: Path) -> None:
    result = CliRunner().invoke(_app(), ["normalize", "--jsonl", str(tmp_path / "nope.jsonl")])
    assert result.exit_code != 0
