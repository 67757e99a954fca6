"""Intake dashboard (superadmins): a day's intake per channel and state, time to ticket, SLA.

Superadmins only: pipeline.stats.snapshot counts the whole province and takes no area, so a
walikota or camat would see other areas' figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from pipeline import stats
from pipeline.db import session_scope
from web.review.auth import Role, require_roles
from web.review.dead import age_text
from web.review.models import AdminUser
from web.review.templating import lang_of, templates

router = APIRouter()
superadmin = require_roles(Role.SUPERADMIN)
#: How far back the day picker goes (retention purges older messages anyway).
OLDEST_DAYS = 366


@dataclass(frozen=True)
class Bar:
    """One bar of a server-rendered SVG chart, in the chart's own units."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


def bars(
    values: list[tuple[str, int]], width: float = 720, height: float = 160, gap: float = 2
) -> list[Bar]:
    """Vertical bars filling width x height, scaled to the largest value (pure)."""
    if not values:
        return []
    top = max(v for _, v in values) or 1
    step = width / len(values)
    result = []
    for i, (label, value) in enumerate(values):
        h = round(height * value / top, 1)
        result.append(Bar(label, value, round(i * step, 1), height - h, round(step - gap, 1), h))
    return result


def pick_day(raw: str, today: date) -> tuple[date, bool]:
    """The requested WIB day, or today when it is missing, malformed or out of range (pure)."""
    if not raw:
        return today, True
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return today, False
    if not today - timedelta(days=OLDEST_DAYS) <= day <= today:
        return today, False
    return day, True


@router.get("/stats")
def stats_page(
    request: Request, user: Annotated[AdminUser, Depends(superadmin)], day: str = ""
) -> Response:
    """The dashboard for one day (today by default)."""
    today = stats.today()
    chosen, valid = pick_day(day[:20], today)
    with session_scope() as session:
        snap = stats.snapshot(session, chosen)
    lang = lang_of(request)
    hours = [(f"{h:02d}", n) for h, n in enumerate(snap.per_hour)]

    def duration(seconds: float | None) -> str:
        return age_text(lang, seconds) if seconds is not None else "—"

    context = {
        "snap": snap,
        "day": chosen.isoformat(),
        "today": today.isoformat(),
        "oldest": (today - timedelta(days=OLDEST_DAYS)).isoformat(),
        "bad_day": not valid,
        "hour_bars": bars(hours),
        "channel_top": max(snap.per_channel.values(), default=0) or 1,
        "median": duration(snap.median_to_ticket_s),
        "p90": duration(snap.p90_to_ticket_s),
        "review_oldest": duration(snap.review_oldest_s) if snap.review_queue else "—",
        "dead_total": sum(snap.dead_letters.values()),
    }
    return templates.TemplateResponse(request, "stats.html", context)
