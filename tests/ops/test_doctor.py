"""`intake doctor` against real local fakes: what works, what is broken, and what to fix."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.telegram_bot_api import FakeTelegram
from tests.ops.procs import intake_env, run_intake

pytestmark = pytest.mark.slow  # real `intake` processes: scheduled first under xdist

TOKEN = "7000000001:AAFakeTokenForTests"  # noqa: S105 - the fake Bot API's token


@pytest.fixture
def telegram() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as fake:
        yield fake


def _doctor(tmp_path: Path, fake: FakeTelegram, token: str) -> subprocess.CompletedProcess[str]:
    env = intake_env(
        tmp_path,
        INTAKE_TELEGRAM__BOT_TOKEN=token,
        INTAKE_TELEGRAM__BASE_URL=f"{fake.base_url}/bot",
        INTAKE_TELEGRAM__BASE_FILE_URL=f"{fake.base_url}/file/bot",
        INTAKE_TELEGRAM__MODE="polling",
        COLUMNS="200",
    )
    return run_intake(tmp_path, "doctor", env=env)


def _row(output: str, check: str) -> str:
    return next(line for line in output.splitlines() if f" {check} " in line)


def test_bad_token_and_missing_migrations_say_what_to_fix(
    tmp_path: Path, telegram: FakeTelegram
) -> None:
    done = _doctor(tmp_path, telegram, "7000000001:AAWrongToken")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "broken" in _row(done.stdout, "migrations")
    assert "intake db upgrade" in _row(done.stdout, "migrations")
    tg = _row(done.stdout, "channel telegram")
    assert "broken" in tg and "credentials refused" in tg
    assert "renew INTAKE_TELEGRAM__BOT_TOKEN" in tg
    assert "ok" in _row(done.stdout, "database")
    assert "in-process" in _row(done.stdout, "broker")


def test_everything_working_exits_zero(tmp_path: Path, telegram: FakeTelegram) -> None:
    upgrade = run_intake(tmp_path, "db", "upgrade", check=True)
    assert "up to date" in upgrade.stdout
    done = _doctor(tmp_path, telegram, TOKEN)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "@CRMJakartaBot" in _row(done.stdout, "channel telegram")
    assert "up to date" in _row(done.stdout, "migrations")
    assert "ok" in _row(done.stdout, "crm (embedded)")
    assert [call.path for call in telegram.calls] == [f"/bot{TOKEN}/getMe"]  # read-only


def test_a_bad_setting_is_named(tmp_path: Path, telegram: FakeTelegram) -> None:
    env = intake_env(tmp_path, DATABASE_URL="mysql://crm@db/intake", COLUMNS="200")
    done = run_intake(tmp_path, "doctor", env=env)
    assert done.returncode == 1
    row = _row(done.stdout, "settings")
    assert "DATABASE_URL" in row and "broken" in row
