"""Thin dramatiq actors: take an id, load, call pure code, save with a guarded transition."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dramatiq
import structlog

from pipeline import media, push, stages
from pipeline.enqueue import run as _run

log = structlog.get_logger(__name__)

ALL_ACTORS: list[dramatiq.Actor] = []  # type: ignore[type-arg]


def _actor(**options: Any) -> Callable[[Callable[..., None]], dramatiq.Actor]:  # type: ignore[type-arg]
    """Declare an actor on the intake queue (8 retries with backoff unless options say more)."""

    def declare(fn: Callable[..., None]) -> dramatiq.Actor:  # type: ignore[type-arg]
        actor = dramatiq.actor(
            fn, queue_name="intake", **{"max_retries": 8, "min_backoff": 500, **options}
        )
        ALL_ACTORS.append(actor)
        return actor

    return declare


@_actor()
def process_message(inbox_id: int) -> None:
    """A stored inbox message becomes a report (or a command answer, or a follow-up)."""
    try:
        _run(stages.process_message(inbox_id))
    except Exception as exc:
        # A message that keeps failing is flagged for ops (dead letter), never dropped or
        # retried forever; transient errors get MAX_ATTEMPTS tries first.
        if not stages.record_failure(inbox_id, exc):
            raise


@_actor()
def triage_report(report_id: int) -> None:
    """Decide ready / needs_info / needs_review / duplicate / rejected."""
    _run(stages.triage_report(report_id))


@_actor()
def push_report(report_id: int) -> None:
    """Hand a ready report to the CRM core (idempotent) and queue the confirmation."""
    _run(push.push_report(report_id))


@_actor()
def send_reply(outbox_id: int) -> None:
    """Send one outbox reply at most once."""
    _run(push.send_reply(outbox_id))


@_actor()
def notify_held(inbox_id: int) -> None:
    """Tell a rate-limited sender, once per day, that their messages wait."""
    _run(stages.notify_held(inbox_id))


@_actor()
def fetch_media_gave_up(message_data: dict[str, Any], retry_info: dict[str, Any]) -> None:
    """Called by dramatiq's Retries middleware when fetch_media has used all its retries."""
    media.give_up(int(message_data["args"][0]), int(retry_info.get("retries", 0)))


@_actor(on_retry_exhausted="fetch_media_gave_up")
def fetch_media(attachment_id: int) -> None:
    """Download, check, strip and store one photo of a report."""
    media.store_attachment(attachment_id)
