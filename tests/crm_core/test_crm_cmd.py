"""`intake crm`: officers list, show and move reports on the embedded core from the shell."""

from __future__ import annotations

import pytest
from rich.console import Console
from typer.testing import CliRunner

from config.settings import get_settings
from crm_core.service import CRMCore
from intake.crm_cmd import crm_app

runner = CliRunner()


@pytest.fixture
def cli_core(tmp_path, monkeypatch, new_report):
    url = f"sqlite:///{tmp_path / 'crm_core.db'}"
    monkeypatch.setattr("intake.crm_cmd.console", Console(width=240))
    monkeypatch.setenv("INTAKE_CRM__BACKEND", "embedded")
    monkeypatch.setenv("INTAKE_CRM__DATABASE_URL", url)
    get_settings.cache_clear()
    core = CRMCore(url)
    core.create_request(new_report())
    yield core
    get_settings.cache_clear()


def number_of(core: CRMCore) -> str:
    return core.search(reference="rpt-000123")[0].tracking_number


def test_move_then_show_the_history(cli_core):
    number = number_of(cli_core)
    result = runner.invoke(
        crm_app,
        [
            "move",
            number.lower(),
            "koordinasi",
            "--officer",
            "admin.kel.kramat",
            "--note",
            "Diteruskan ke Sudin Bina Marga",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Menunggu -> Koordinasi" in result.output
    shown = runner.invoke(crm_app, ["show", number])
    assert shown.exit_code == 0
    assert "Diteruskan ke Sudin Bina Marga" in shown.output
    assert "+6281200000000" not in shown.output  # contact only with --contact
    assert cli_core.get(number).status == "Koordinasi"


def test_refused_move_says_which_are_allowed(cli_core):
    result = runner.invoke(crm_app, ["move", number_of(cli_core), "Selesai", "--officer", "x"])
    assert result.exit_code == 1
    assert "yang boleh: Koordinasi" in result.output


def test_mistyped_number_prints_the_hint(cli_core):
    number = number_of(cli_core)
    typo = number[:-1] + ("2" if number[-1] != "2" else "3")
    result = runner.invoke(crm_app, ["show", typo])
    assert result.exit_code == 2
    assert "salah ketik" in result.output


def test_list_and_sla(cli_core):
    listed = runner.invoke(crm_app, ["list", "--status", "Menunggu"])
    assert number_of(cli_core) in listed.output
    sla = runner.invoke(crm_app, ["sla"])
    assert sla.exit_code == 0
    assert "terlambat koordinasi (>6 jam): 0" in sla.output
