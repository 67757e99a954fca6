"""The admin UI's Jinja2 environment: autoescaped, with csrf_field, t() and the role's nav."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from web.review import i18n
from web.review.auth import AUDITORS, REVIEWERS, Role
from web.review.csrf import csrf_field

HERE = Path(__file__).parent
WIB = timezone(timedelta(hours=7), "WIB")

#: (catalogue key, URL, roles that may use it): the nav shows only what a role may open.
NAV: list[tuple[str, str, tuple[Role, ...]]] = [
    ("nav_queue", "/admin/", REVIEWERS),
    ("nav_audit", "/admin/audit", AUDITORS),
    ("nav_desk", "/admin/desk", (Role.SUPERADMIN, Role.DESK_STAFF)),
]


def lang_of(request: Request) -> str:
    """The language this request's page is rendered in."""
    user = getattr(request.state, "user", None)
    return i18n.pick(request.cookies.get(i18n.COOKIE), user.lang if user else None)


@pass_context
def t(context: Any, key: str, **values: object) -> str:
    """Template global: translate `key` into the page's language."""
    return i18n.translate(lang_of(context["request"]), key, **values)


@pass_context
def label(context: Any, prefix: str, slug: str) -> str:
    """Template global: the name of a reason/state/ask slug in the page's language."""
    return i18n.label(lang_of(context["request"]), prefix, slug)


def nav_for(request: Request) -> list[tuple[str, str]]:
    """The nav entries (key, URL) the logged-in user's role may use."""
    user = getattr(request.state, "user", None)
    if user is None:
        return []
    return [(key, url) for key, url, roles in NAV if user.role in {r.value for r in roles}]


def wib(value: datetime | None) -> str:
    """23-11-2026 19:05 WIB (Jakarta time) for a stored UTC timestamp."""
    return value.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB") if value else ""


def _context(request: Request) -> dict[str, Any]:
    user = getattr(request.state, "user", None)
    return {"lang": lang_of(request), "nav": nav_for(request), "user": user}


env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
env.globals.update(csrf_field=csrf_field, t=t, label=label)
env.filters["wib"] = wib
templates = Jinja2Templates(env=env, context_processors=[_context])
