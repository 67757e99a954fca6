"""`intake doctor`: settings, database, migrations, broker, CRM core, every enabled channel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from config.logging import configure_logging
from config.settings import Settings, get_settings
from connectors import registry
from connectors.contract import AuthFailed, BadConfig, TemporarilyUnavailable

OK, WARN, BROKEN = "ok", "warning", "broken"
#: Where a channel's credentials live, for the "what to fix" column (Home Assistant's
#: config-flow habit: say which field to change, not just that something failed).
CREDENTIALS = {
    "twilio": "INTAKE_TWILIO__ACCOUNT_SID / INTAKE_TWILIO__AUTH_TOKEN",
    "facebook": "INTAKE_META__PAGE_ACCESS_TOKEN (and INTAKE_META__APP_SECRET)",
    "telegram": "INTAKE_TELEGRAM__BOT_TOKEN",
    "twitter": "INTAKE_TWITTER__BEARER_TOKEN / INTAKE_TWITTER__USER_ID",
    "email": "INTAKE_EMAIL__USERNAME / INTAKE_EMAIL__PASSWORD",
    "lapor1708": "INTAKE_LAPOR1708__TOKEN",
    "media_massa": "INTAKE_MEDIA_MASSA__FEEDS",
}
FACTORIES = ("build_router", "build_poller", "build_reply_sender")


@dataclass(frozen=True)
class Row:
    """One line of the doctor's table."""

    check: str
    status: str
    detail: str = ""
    fix: str = ""


def setting_name(loc: tuple[object, ...]) -> str:
    """The environment variable behind a validation error's location (pure)."""
    top = str(loc[0]) if loc else "?"
    if top in {"database_url", "redis_url"}:
        return top.upper()
    return "INTAKE_" + "__".join(str(part).upper() for part in loc)


def check_settings() -> tuple[Row, Settings | None]:
    """Settings load from the environment and .env."""
    try:
        settings = Settings()
    except ValidationError as exc:
        bad = "; ".join(f"{setting_name(e['loc'])}: {e['msg']}" for e in exc.errors())
        return Row(
            "settings", BROKEN, bad, "correct these variables in .env or the environment"
        ), None
    return Row("settings", OK, "loaded"), settings


def check_database() -> list[Row]:
    """The database answers and every migration is applied."""
    from pipeline import migrate  # noqa: PLC0415
    from pipeline.db import get_engine  # noqa: PLC0415
    from pipeline.health import database_status  # noqa: PLC0415

    engine = get_engine()
    where = engine.url.render_as_string(hide_password=True)
    status = database_status(engine)
    if status != "ok":
        return [Row("database", BROKEN, f"{where}: {status}", "start it or fix DATABASE_URL")]
    rows = [Row("database", OK, where)]
    pending = migrate.pending()
    if pending:
        rows.append(
            Row("migrations", BROKEN, f"not applied: {', '.join(pending)}", "intake db upgrade")
        )
    else:
        rows.append(Row("migrations", OK, "up to date"))
    return rows


def check_broker(settings: Settings) -> Row:
    """Redis answers PING (or the embedded in-process broker is in use)."""
    if not settings.redis_url:
        return Row("broker", OK, "in-process (embedded mode: run everything with `intake run`)")
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)
    try:
        client.ping()
        persistence = client.config_get("appendonly").get("appendonly", "?")
    except redis.RedisError as exc:
        return Row("broker", BROKEN, f"Redis: {type(exc).__name__}", "start Redis or fix REDIS_URL")
    finally:
        client.close()
    if persistence == "no":
        # Without AOF a Redis restart loses every queued message (DESIGN.md; Redis persistence
        # docs, "AOF advantages"): rows survive in the database but wait for the sweeper.
        return Row("broker", WARN, "Redis without AOF", "set `appendonly yes` in redis.conf")
    return Row("broker", OK, f"Redis (appendonly {persistence})")


def check_crm(settings: Settings) -> Row:
    """The CRM core answers a read-only request."""
    from pipeline.crm import build_client  # noqa: PLC0415

    name = f"crm ({settings.crm.backend})"
    try:
        client: Any = build_client(settings)
        if settings.crm.backend == "open311":
            # GET services.json is GeoReport v2's read-only service list (wiki.open311.org).
            response = client.http.get("services.json", params=client._params())
            client.close()
            if response.status_code >= 400:
                return Row(name, BROKEN, f"services.json answered {response.status_code}",
                           "check INTAKE_CRM__BASE_URL / INTAKE_CRM__API_KEY")  # fmt: skip
            return Row(name, OK, settings.crm.base_url)
        client.lookup("jakarta-intake:doctor-probe")
    except Exception as exc:  # noqa: BLE001 - any failure is reported, not raised
        return Row(name, BROKEN, f"{type(exc).__name__}: {str(exc)[:160]}",
                   "check INTAKE_CRM__BASE_URL or INTAKE_CRM__DATABASE_URL")  # fmt: skip
    return Row(name, OK, "embedded core database answers")


def enabled_channels(settings: Settings) -> list[str]:
    """Channels with a webhook, poller or reply sender configured."""
    found = []
    for channel in registry.CONNECTORS:
        try:
            if any(registry.build(channel, f, settings) is not None for f in FACTORIES):
                found.append(channel)
        except Exception:  # noqa: BLE001 - a factory refusing its settings is still "enabled"
            found.append(channel)
    return found


def credential_row(channel: str, check: Callable[[Settings], str], settings: Settings) -> Row:
    """Run one connector's read-only credential check and say what to fix."""
    name = f"channel {channel}"
    where = CREDENTIALS.get(channel, f"the INTAKE_{channel.upper()}__ settings")
    try:
        return Row(name, OK, str(check(settings))[:200])
    except AuthFailed as exc:
        return Row(name, BROKEN, f"credentials refused: {exc}", f"renew {where}")
    except BadConfig as exc:
        return Row(name, BROKEN, f"bad configuration: {exc}", f"set {exc.setting}")
    except TemporarilyUnavailable as exc:
        return Row(name, WARN, f"provider unreachable now: {exc}", "retry later; check network")
    except Exception as exc:  # noqa: BLE001
        return Row(name, BROKEN, f"{type(exc).__name__}: {str(exc)[:160]}", f"check {where}")


def check_channels(settings: Settings) -> list[Row]:
    """Every enabled channel's credentials, tested against its provider."""
    rows = []
    for channel in enabled_channels(settings):
        module = registry.module(channel)
        check = getattr(module, "check_credentials", None)
        if check is None:
            rows.append(Row(f"channel {channel}", OK, "enabled (no provider credentials)"))
            continue
        rows.append(credential_row(channel, check, settings))
    if not rows:
        rows.append(Row("channels", WARN, "no channel enabled", "see .env.example"))
    return rows


def diagnose() -> list[Row]:
    """Every check, in order; later checks are skipped when settings do not load."""
    row, settings = check_settings()
    if settings is None:
        return [row]
    get_settings.cache_clear()
    configure_logging(settings.log_level, settings.log_format)
    rows = [row, *check_database(), check_broker(settings), check_crm(settings)]
    return rows + check_channels(settings)


def render(rows: list[Row]) -> Table:
    """The rich table: check, status, detail, what to fix."""
    colours = {OK: "green", WARN: "yellow", BROKEN: "red"}
    table = Table("check", "status", "detail", "what to fix", title="intake doctor")
    for row in rows:
        colour = colours.get(row.status, "white")
        table.add_row(row.check, f"[{colour}]{row.status}[/]", row.detail, row.fix)
    return table


def doctor() -> None:
    """Check settings, database, migrations, broker, CRM core and every enabled channel."""
    rows = diagnose()
    Console(width=160).print(render(rows))
    if any(row.status == BROKEN for row in rows):
        raise typer.Exit(1)
