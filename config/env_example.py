"""Render .env.example from the settings model: `python -m config.env_example > .env.example`."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, SecretStr

from config.settings import Settings

HEADER = [
    "# Every setting the intake reads, with its default. Copy to .env and adjust.",
    "# DATABASE_URL and REDIS_URL keep their usual names; everything else is INTAKE_ prefixed,",
    "# with __ between a section and its field (INTAKE_TWILIO__AUTH_TOKEN).",
    "# A channel whose secret is left empty is disabled.",
]
COMMENTS = {
    "database_url": "# empty: SQLite file var/intake.db (embedded default); "
    "production: postgresql://user:pass@host/db",
    "redis_url": "# empty: dramatiq's in-process broker (embedded default); "
    "production: redis://host:6379/0 (appendonly yes)",
}


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, list | dict):
        import json  # noqa: PLC0415

        return json.dumps(value)
    return str(value)


def render() -> str:
    """The text of .env.example for the current settings model."""
    lines = list(HEADER)
    sections = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            sections.append((name, default))
            continue
        env = name.upper() if name in COMMENTS else f"INTAKE_{name.upper()}"
        lines += [COMMENTS[name]] if name in COMMENTS else []
        lines.append(f"{env}={_value(default)}")
    for name, default in sections:
        doc = (type(default).__doc__ or "").strip().splitlines()[0]
        lines += ["", f"# --- {name}: {doc}"]
        for sub in type(default).model_fields:
            lines.append(f"INTAKE_{name.upper()}__{sub.upper()}={_value(getattr(default, sub))}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(render(), end="")
