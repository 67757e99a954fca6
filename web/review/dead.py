"""Dead letters page (superadmins): what exhausted its retries, with Retry and Drop per row."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from config.logging import redact_text
from pipeline import deadletters, enqueue
from pipeline.db import session_scope
from pipeline.models import utcnow
from web.review import i18n
from web.review.actions import actor
from web.review.auth import Role, require_roles
from web.review.csrf import verify_csrf
from web.review.models import AdminUser
from web.review.templating import lang_of, templates

log = structlog.get_logger(__name__)
router = APIRouter()
superadmin = require_roles(Role.SUPERADMIN)
PER_KIND = 100
#: Outcomes shown after an action (catalogue keys dead_done_<outcome>).
OUTCOMES = ("retried", "dropped", "gone", "not_retryable")


def age_text(lang: str, seconds: float) -> str:
    """How long something has waited, coarse and short: '45 m', '3 j 12 m', '2 hr 4 j'."""
    minutes = max(0, int(seconds // 60))
    hours, days = minutes // 60, minutes // 1440
    if days:
        return i18n.translate(lang, "age_days", d=days, h=hours % 24)
    if hours:
        return i18n.translate(lang, "age_hours", h=hours, m=minutes % 60)
    return i18n.translate(lang, "age_minutes", m=minutes)


def _as_utc(value: datetime) -> datetime:
    # SQLite hands naive datetimes back; every stored time is UTC (pipeline.models.utcnow)
    return value if value.tzinfo else value.replace(tzinfo=utcnow().tzinfo)


def rows_for(lang: str, letters: list[deadletters.DeadLetter]) -> list[dict[str, Any]]:
    """Dead letters as the table shows them: age in words, error without personal data."""
    now = utcnow()
    return [
        {
            "letter": d,
            # provider errors quote recipients ("The 'To' number +62812... is not valid"): ops
            # need the reason, not the citizen's phone, e-mail or NIK
            "error": redact_text(d.error),
            "age": age_text(lang, (now - _as_utc(d.since)).total_seconds()),
            "retryable": d.kind in deadletters.RETRYABLE,
        }
        for d in letters
    ]


def _counts() -> dict[str, int]:
    with session_scope() as session:
        return deadletters.counts(session)


@router.get("/dead")
def dead_page(
    request: Request, user: Annotated[AdminUser, Depends(superadmin)], kind: str = ""
) -> Response:
    """Every kind's count, and the oldest dead letters of one kind (or all)."""
    if kind and kind not in deadletters.KINDS:
        raise HTTPException(404, "unknown kind")
    with session_scope() as session:
        counts = deadletters.counts(session)
        letters = deadletters.list_dead(session, kind or None, limit=PER_KIND)
    done = request.query_params.get("done", "")
    context = {
        "counts": counts,
        "kinds": deadletters.KINDS,
        "kind": kind,
        "rows": rows_for(lang_of(request), letters),
        "total": counts[kind] if kind else sum(counts.values()),
        "done": done if done in OUTCOMES else "",
    }
    return templates.TemplateResponse(request, "dead.html", context)


def _answer(request: Request, kind: str, row_id: int, outcome: str, status: int = 200) -> Response:
    """The replaced row (and fresh counts) for htmx; otherwise back to the page with a notice."""
    if not request.headers.get("HX-Request"):
        target = f"/admin/dead?kind={kind}&done={outcome}"
        return RedirectResponse(target, status_code=303)
    context = {"kind": kind, "row_id": row_id, "outcome": outcome, "counts": _counts()}
    # htmx swaps only 2xx answers by default (https://htmx.org/docs/#response-handling)
    return templates.TemplateResponse(request, "dead_outcome.html", context, status_code=status)


def _known(kind: str) -> None:
    if kind not in deadletters.KINDS:
        raise HTTPException(404, "unknown kind")


@router.post("/dead/{kind}/{row_id}/retry", dependencies=[Depends(verify_csrf)])
def retry(
    request: Request, kind: str, row_id: int, user: Annotated[AdminUser, Depends(superadmin)]
) -> Response:
    """Put one dead letter back in the pipeline; a second click finds it gone and does nothing."""
    _known(kind)
    try:
        with session_scope() as session:
            steps = deadletters.retry(session, kind, row_id, actor(user))
    except deadletters.NotRetryable:
        return _answer(request, kind, row_id, "not_retryable")
    enqueue.run(steps)  # only now: the row is committed as live again
    log.info("dead_letter_page_retry", kind=kind, row_id=row_id, user_id=user.id, sent=len(steps))
    return _answer(request, kind, row_id, "retried" if steps else "gone")


@router.post("/dead/{kind}/{row_id}/drop", dependencies=[Depends(verify_csrf)])
def drop(
    request: Request,
    kind: str,
    row_id: int,
    user: Annotated[AdminUser, Depends(superadmin)],
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Take a dead letter off the list for good; the note (why) is required and audited."""
    _known(kind)
    if not note.strip():
        raise HTTPException(422, "a note saying why is required")
    with session_scope() as session:
        dropped = deadletters.drop(session, kind, row_id, actor(user), note.strip())
    enqueue.run(dropped.steps)  # a dropped push's notice to its citizen, once committed
    log.info(
        "dead_letter_page_drop", kind=kind, row_id=row_id, user_id=user.id, dropped=bool(dropped)
    )
    return _answer(request, kind, row_id, "dropped" if dropped else "gone")
