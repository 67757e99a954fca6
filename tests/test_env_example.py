"""`.env.example` documents every setting the code reads, with today's defaults."""

from pathlib import Path

from config.env_example import render

ROOT = Path(__file__).resolve().parents[1]


def test_env_example_lists_every_setting_with_its_default() -> None:
    assert (ROOT / ".env.example").read_text(encoding="utf-8") == render(), (
        "regenerate with: python -m config.env_example > .env.example"
    )


def test_a_copy_of_env_example_loads_and_enables_no_channel(tmp_path, monkeypatch) -> None:
    (tmp_path / ".env").write_text((ROOT / ".env.example").read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    for key in [k for k in __import__("os").environ if k.startswith("INTAKE_")]:
        monkeypatch.delenv(key)
    from config.settings import Settings  # noqa: PLC0415

    settings = Settings()
    assert settings.twilio.auth_token is None
    assert settings.meta.app_secret is None and settings.telegram.webhook_secret is None
    assert settings.crm.backend == "embedded"
