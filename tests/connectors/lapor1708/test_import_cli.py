"""`intake import lapor1708 FILE` through the real sink and database."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from typer.testing import CliRunner

from intake.cli import app
from pipeline.models import InboxMessage
from tests.conftest import PipelineEnv

CSV = Path(__file__).parents[2] / "fixtures" / "lapor1708" / "export_laporan.csv"


def test_import_twice_stores_each_report_once(pipeline_env: PipelineEnv) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["import", "lapor1708", str(CSV)])
    second = runner.invoke(app, ["import", "lapor1708", str(CSV)])
    pipeline_env.drain()
    assert first.exit_code == 0, first.output
    assert "4 laporan baru, 0 sudah ada, 1 baris tidak terbaca" in first.output
    assert "0 laporan baru, 4 sudah ada" in second.output
    with pipeline_env.session() as session:
        rows = session.exec(select(InboxMessage).where(InboxMessage.channel == "lapor1708")).all()
    assert sorted(r.external_id for r in rows if r.state != "malformed") == [
        "4821907",
        "4821911",
        "4821915",
        "4821920",
    ]
    assert sum(r.state == "malformed" for r in rows) == 1
    pungli = next(r for r in rows if r.external_id == "4821911")
    assert pungli.payload["anonymous"] and pungli.payload["confidential"]
    assert pungli.sender_handle == ""
