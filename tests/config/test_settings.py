"""Settings: env vars with nesting, .env, and a bad setting stops the process naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.settings import ConfigError, Settings, get_settings, load_settings

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No INTAKE_/DATABASE_URL/REDIS_URL from the outer environment; cwd without a .env."""
    for key in list(os.environ):
        if key.startswith("INTAKE_") or key in {"DATABASE_URL", "REDIS_URL"}:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _upgrade(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """`python -m intake db upgrade` in a clean environment plus `env`."""
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("INTAKE_") and k not in {"DATABASE_URL", "REDIS_URL"}
    }
    base |= {"PYTHONPATH": str(REPO), "INTAKE_VAR_DIR": str(tmp_path / "var"), **env}
    return subprocess.run(
        [sys.executable, "-m", "intake", "db", "upgrade"],
        cwd=tmp_path,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("INTAKE_CRM__BACKEND", "bad"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("INTAKE_EMAIL__BATCH_SIZE", "0"),
        ("INTAKE_PIPELINE__REPLY_MAX_ATTEMPTS", "eight"),
        ("INTAKE_PIPELINE__QUIET_HOURS", "22.00-06.00"),
    ],
)
def test_bad_setting_stops_the_command_naming_it(tmp_path: Path, name: str, value: str) -> None:
    result = _upgrade(tmp_path, **{name: value})
    assert result.returncode != 0
    assert "Configuration error" in result.stderr
    assert name in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var" / "intake.db").exists()  # stopped before touching anything


def test_good_settings_upgrade_the_embedded_database(tmp_path: Path) -> None:
    result = _upgrade(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout
    assert (tmp_path / "var" / "intake.db").exists()


def test_every_bad_setting_is_named_at_once(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INTAKE_CRM__BACKEND", "sap")
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert "INTAKE_CRM__BACKEND: Value error, must be 'embedded' or 'open311'" in err
    assert "DATABASE_URL: Value error, must start with sqlite:// or postgresql://" in err


def test_nested_env_reaches_the_channel_section(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_TWILIO__AUTH_TOKEN", "0123456789abcdef0123456789abcdef")
    monkeypatch.setenv("INTAKE_PIPELINE__QUIET_HOURS", "22-06")
    monkeypatch.setenv("INTAKE_MEDIA_MASSA__FEEDS", '["https://www.antaranews.com/rss/metro"]')
    settings = Settings()
    assert settings.twilio.auth_token is not None
    assert settings.twilio.auth_token.get_secret_value() == "0123456789abcdef0123456789abcdef"
    assert "0123456789abcdef" not in repr(settings)  # secrets never print
    assert settings.pipeline.quiet_hours == "22-06"
    assert settings.media_massa.feeds == ["https://www.antaranews.com/rss/metro"]


def test_dotenv_is_read_and_the_environment_wins(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (clean_env / ".env").write_text(
        "INTAKE_LOG_FORMAT=json\n"
        "INTAKE_TELEGRAM__MODE=polling\n"
        "DATABASE_URL=postgres://intake@db.internal:5432/intake\n"
        "INTAKE_PIPELINE__STUCK_AFTER_S=300\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("INTAKE_PIPELINE__STUCK_AFTER_S", "60")
    settings = Settings()
    assert settings.log_format == "json"
    assert settings.telegram.mode == "polling"
    # Heroku-style postgres:// is accepted and pinned to the psycopg 3 driver.
    assert settings.database_url == "postgresql+psycopg://intake@db.internal:5432/intake"
    assert settings.effective_database_url == settings.database_url
    assert settings.pipeline.stuck_after_s == 60


def test_embedded_default_lives_under_var(clean_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_VAR_DIR", str(clean_env / "data"))
    settings = Settings()
    assert settings.effective_database_url == f"sqlite:///{clean_env / 'data' / 'intake.db'}"
    assert settings.crm.backend == "embedded"
    assert settings.redis_url == ""


@pytest.mark.parametrize("value", ["10pm-6am", "22-24", "6-06", "22"])
def test_quiet_hours_must_be_two_hours(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    monkeypatch.setenv("INTAKE_PIPELINE__QUIET_HOURS", value)
    with pytest.raises(ConfigError):
        load_settings()
    assert "INTAKE_PIPELINE__QUIET_HOURS: Value error, must be two different hours" in (
        capsys.readouterr().err
    )


def test_quiet_hours_accepts_jakarta_hours(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INTAKE_PIPELINE__QUIET_HOURS", " 21-5 ")
    assert Settings().pipeline.quiet_hours == "21-5"


def test_pending_migrations_name_only_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from pipeline import migrate  # noqa: PLC0415
    from pipeline.db import reset_engine  # noqa: PLC0415

    monkeypatch.setenv("INTAKE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    reset_engine()
    try:
        migrate.upgrade("0001")
        missing = migrate.pending()
        assert missing and "0001" not in missing  # applied revisions are not listed
        migrate.upgrade()
        assert migrate.pending() == []
    finally:
        reset_engine()
        get_settings.cache_clear()
