"""`intake stats`: one day of intake (WIB) per channel and state, time to ticket, SLA, chart."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from typing import Annotated

import typer
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from pipeline.stats import Stats

BARS = " ▁▂▃▄▅▆▇█"


def duration(seconds: float | None) -> str:
    """'2 j 05 m', '4 m 10 d' or '-' (pure)."""
    if seconds is None:
        return "-"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} j {minutes:02d} m"
    return f"{minutes} m {secs:02d} d" if minutes else f"{secs} d"


def sparkline(values: list[int]) -> str:
    """One block character per value, scaled to the largest (pure)."""
    top = max(values, default=0)
    if top == 0:
        return BARS[0] * len(values)
    return "".join(BARS[round(v / top * (len(BARS) - 1))] for v in values)


def _counts(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("")
    table.add_column("jumlah", justify="right")
    for key, number in counts.items():
        table.add_row(key, str(number))
    if not counts:
        table.add_row("(kosong)", "0")
    return table


def render(stats: Stats) -> Group:
    """The rich view of a snapshot."""
    summary = Table.grid(padding=(0, 2))
    summary.add_row("Pesan masuk", str(stats.received))
    summary.add_row("Tiket CRM dibuat", str(stats.pushed))
    summary.add_row("Median masuk -> tiket", duration(stats.median_to_ticket_s))
    summary.add_row("P90 masuk -> tiket", duration(stats.p90_to_ticket_s))
    summary.add_row(
        "Antrean verifikasi", f"{stats.review_queue} (tertua {duration(stats.review_oldest_s)})"
    )
    summary.add_row("Dead letters", str(sum(stats.dead_letters.values())))
    sla = stats.sla
    summary.add_row("Tiket terbuka", str(sla.open_tickets))
    summary.add_row("Lewat 6 jam (koordinasi)", str(sla.late_coordination))
    summary.add_row("Lewat 7 hari (penyelesaian)", str(sla.late_resolution))
    chart = f"00 {sparkline(stats.per_hour)} 23  (puncak {max(stats.per_hour)} pesan/jam)"
    return Group(
        Panel(summary, title=f"Intake {stats.day.isoformat()} (WIB)", expand=False),
        _counts("Per kanal", stats.per_channel),
        _counts("Per status laporan", stats.per_state),
        Panel(chart, title="Pesan per jam", expand=False),
    )


def _json_default(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def stats(
    day: Annotated[str, typer.Option(help="Day (YYYY-MM-DD, Jakarta time); default today.")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Today's intake per channel and state, time to CRM ticket, review queue and SLA."""
    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline.db import session_scope  # noqa: PLC0415
    from pipeline.stats import snapshot  # noqa: PLC0415

    try:
        wanted = date.fromisoformat(day) if day else None
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD, e.g. 2026-11-23", param_hint="--day") from None
    bootstrap()
    with session_scope() as session:
        result = snapshot(session, wanted)
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(result), default=_json_default))
        return
    Console().print(render(result))
