"""Readiness: database, broker, and each enabled poller's heartbeat against its staleness limit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import dramatiq
from sqlalchemy import Engine, select, text

from config.settings import Settings
from pipeline.broker import is_in_process
from pipeline.models import PollerCheckpoint, utcnow

#: Grace on top of three poll intervals before a poller counts as stale: one slow provider
#: answer (IMAP login, a feed timing out at 20 s, Telegram's 25 s long poll) is not an outage.
STALE_GRACE_S = 120.0


def stale_after(settings: Settings, channel: str) -> float:
    """Seconds without a heartbeat before `channel` is stale (INTAKE_OPS__HEARTBEAT_STALE_S)."""
    override = settings.ops.heartbeat_stale_s.get(channel)
    if override is not None:
        return float(override)
    section = getattr(settings, channel, None)
    interval = max(
        float(getattr(section, "poll_interval_s", 60.0)),
        float(getattr(section, "poll_timeout_s", 0.0)),
    )
    return 3 * interval + STALE_GRACE_S


def heartbeat_status(
    limits: dict[str, float], beats: dict[str, datetime | None], now: datetime
) -> dict[str, str]:
    """Per channel: "ok (12s ago)" or "stale: ..." / "no heartbeat yet" (pure)."""
    status = {}
    for channel, limit in limits.items():
        beat = beats.get(channel)
        if beat is None:
            status[channel] = "stale: no heartbeat yet (is `intake poll " + channel + "` running?)"
            continue
        age = (now - beat).total_seconds()
        status[channel] = (
            f"ok ({age:.0f}s ago)"
            if age <= limit
            else f"stale: last heartbeat {age:.0f}s ago (limit {limit:.0f}s)"
        )
    return status


def read_heartbeats(engine: Engine, channels: list[str]) -> dict[str, datetime | None]:
    """Last heartbeat of each channel from poller_checkpoint."""
    table = PollerCheckpoint.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:
        rows = conn.execute(
            select(table.c.channel, table.c.heartbeat_at).where(table.c.channel.in_(channels))
        ).all()
    found: dict[str, datetime | None] = {c: None for c in channels}
    found.update({channel: at for channel, at in rows})
    return found


def database_status(engine: Engine) -> str:
    """ "ok" or the error class."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"error: {type(exc).__name__}"


def broker_status(broker: dramatiq.Broker) -> str:
    """ "ok", "ok (in-process)" or the error class."""
    if is_in_process(broker):
        return "ok (in-process)"
    try:
        broker.client.ping()  # type: ignore[attr-defined]
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"error: {type(exc).__name__}"


def readiness(
    settings: Settings, engine: Engine, broker: dramatiq.Broker, polled: list[str]
) -> tuple[bool, dict[str, Any]]:
    """(ready, checks): every check must start with "ok"."""
    checks: dict[str, Any] = {
        "database": database_status(engine),
        "broker": broker_status(broker),
    }
    if polled and checks["database"] == "ok":
        limits = {c: stale_after(settings, c) for c in polled}
        beats = read_heartbeats(engine, polled)
        for channel, status in heartbeat_status(limits, beats, utcnow()).items():
            checks[f"poller:{channel}"] = status
    ready = all(str(v).startswith("ok") for v in checks.values())
    return ready, checks
