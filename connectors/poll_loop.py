"""The long-lived loop of every polled channel: fetch, store with checkpoint, heartbeat, backoff."""

from __future__ import annotations

import contextlib
import random
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, Protocol

import structlog
from sqlalchemy.exc import DBAPIError

from connectors.contract import (
    AuthFailed,
    BadConfig,
    InboundMessage,
    Poller,
    TemporarilyUnavailable,
)

log = structlog.get_logger(__name__)

BACKOFF_BASE_S = 2.0
BACKOFF_CAP_S = 600.0


@dataclass(frozen=True)
class Malformed:
    """A provider item that could not be parsed: stored and flagged, never dropped."""

    external_id: str
    raw: str | bytes | dict[str, Any]
    error: str


class PollerStopped(SystemExit):
    """The poller cannot go on without a human (credentials refused, setting wrong)."""


class Sink(Protocol):
    """What the loop needs from connectors.intake (tests may pass another implementation)."""

    def accept_batch(self, channel: str, msgs: list[InboundMessage], cursor: dict[str, Any]) -> Any:
        """Store rows and checkpoint in one transaction."""

    def store_malformed(self, channel: str, external_id: str, raw: Any, error: str) -> Any:
        """Store an unparseable item, flagged."""

    def load_checkpoint(self, channel: str) -> dict[str, Any] | None:
        """The saved cursor or None."""

    def heartbeat(self, channel: str, *, lag_seconds: float | None = None, note: str = "") -> None:
        """Record liveness and lag."""


def backoff_delay(
    attempt: int,
    retry_after: float | None = None,
    *,
    rng: random.Random | None = None,
    base: float = BACKOFF_BASE_S,
    cap: float = BACKOFF_CAP_S,
) -> float:
    """Seconds before retry number `attempt` (1-based): full jitter, never before retry_after."""
    # "Full jitter" from the AWS Architecture Blog, "Exponential Backoff And Jitter" (2015):
    # spreads restarted pollers apart instead of letting them hit a recovering provider together.
    ceiling = min(cap, base * 2 ** max(attempt - 1, 0))
    delay = (rng or random).uniform(0, ceiling)
    if retry_after is not None:
        # The provider said when it will take us again (x-rate-limit-reset, Retry-After): waiting
        # less only burns a request; a little jitter on top avoids a thundering herd at reset.
        delay = max(delay, retry_after + (rng or random).uniform(0, 1.0))
    return delay


def batch_lag_seconds(msgs: list[InboundMessage], now: datetime | None = None) -> float:
    """How long the oldest message of a batch waited before we stored it (0 for an empty batch)."""
    if not msgs:
        return 0.0
    now = now or datetime.now(UTC)
    oldest = min(m.received_at for m in msgs)
    return max((now - oldest).total_seconds(), 0.0)


def _default_sink() -> ModuleType:
    from connectors import intake  # noqa: PLC0415  (needs the configured database)

    return intake


def _take_malformed(poller: Poller) -> list[Malformed]:
    take = getattr(poller, "take_malformed", None)
    return list(take()) if take else []


def _note(poller: Poller) -> str:
    return str(getattr(poller, "note", "") or "")


def poll_once(
    channel: str, poller: Poller, sink: Sink, cursor: dict[str, Any] | None
) -> tuple[list[InboundMessage], dict[str, Any]]:
    """One batch: fetch after cursor, store malformed items, then rows + new cursor together."""
    msgs, new_cursor = poller.fetch(cursor)
    # store_malformed is idempotent on external_id, so a crash between it and accept_batch
    # re-fetches the same items and stores nothing twice.
    for bad in _take_malformed(poller):
        sink.store_malformed(channel, bad.external_id, bad.raw, bad.error)
    if msgs or new_cursor != (cursor or {}):
        # Chat pollers (Telegram getUpdates) hold senders over the per-sender rate limit,
        # as their webhooks do; feeds and mailboxes have no such hook.
        hold = getattr(poller, "hold_reason", None)
        sink.accept_batch(channel, msgs, new_cursor, **({"hold": hold} if hold else {}))
    return msgs, new_cursor


def _wait(poller: Poller, timeout: float, stop: threading.Event) -> None:
    wait = getattr(poller, "wait", None)
    if wait is None or timeout <= 0:
        stop.wait(timeout)
        return
    wait(timeout, stop)  # e.g. IMAP IDLE: returns early when the server announces new mail


def _stop_for_human(channel: str, sink: Sink, exc: AuthFailed | BadConfig) -> PollerStopped:
    what = "credentials refused" if isinstance(exc, AuthFailed) else "bad configuration"
    setting = f" (setting {exc.setting})" if isinstance(exc, BadConfig) else ""
    message = f"poller {channel} stopped: {what}{setting}: {exc}"
    log.error("poller_stopped", channel=channel, reason=type(exc).__name__, detail=str(exc))
    with contextlib.suppress(DBAPIError):  # the exit text still tells ops what happened
        sink.heartbeat(channel, note=message)
    return PollerStopped(message)


def run(
    channel: str,
    poller: Poller,
    *,
    interval_s: float,
    stop: threading.Event,
    sink: Sink | None = None,
    rng: random.Random | None = None,
) -> None:
    """Poll until `stop` is set (finishing the batch in hand); PollerStopped on auth/config."""
    sink = sink or _default_sink()  # type: ignore[assignment]
    assert sink is not None
    attempt = 0
    cursor: dict[str, Any] | None = None
    loaded = False
    while not stop.is_set():
        try:
            if not loaded:
                cursor, loaded = sink.load_checkpoint(channel), True
            msgs, cursor = poll_once(channel, poller, sink, cursor)
        except (AuthFailed, BadConfig) as exc:
            raise _stop_for_human(channel, sink, exc) from exc
        except (TemporarilyUnavailable, DBAPIError, OSError) as exc:
            attempt += 1
            retry_after = getattr(exc, "retry_after", None)
            delay = backoff_delay(attempt, retry_after, rng=rng)
            log.warning(
                "poller_backoff",
                channel=channel,
                attempt=attempt,
                delay_s=round(delay, 1),
                error=type(exc).__name__,
                detail=str(exc)[:200],
            )
            _safe_heartbeat(sink, channel, None, f"retrying in {delay:.0f}s: {str(exc)[:200]}")
            if isinstance(exc, DBAPIError):
                loaded = False  # the checkpoint may not have been saved: read it back
            stop.wait(delay)
            continue
        except Exception as exc:  # noqa: BLE001 - a bug must not silence a channel for good
            # Unknown errors (a provider shape the parser did not expect, a bug) are retried
            # with the same backoff; the heartbeat note tells ops on /readyz and `intake doctor`
            # what is wrong, and the cursor is read back so nothing is skipped.
            attempt += 1
            delay = backoff_delay(attempt, rng=rng)
            log.exception(
                "poller_error", channel=channel, attempt=attempt, error=type(exc).__name__
            )
            _safe_heartbeat(sink, channel, None, f"error, retrying in {delay:.0f}s: {exc!r}"[:300])
            loaded = False
            stop.wait(delay)
            continue
        attempt = 0
        _safe_heartbeat(sink, channel, batch_lag_seconds(msgs), _note(poller))
        if msgs:
            log.info("poller_batch", channel=channel, stored=len(msgs))
        if getattr(poller, "has_more", False):
            continue  # backlog: fetch the next page right away
        _wait(poller, interval_s, stop)
    log.info("poller_exit", channel=channel)


def _safe_heartbeat(sink: Sink, channel: str, lag: float | None, note: str) -> None:
    try:
        sink.heartbeat(channel, lag_seconds=lag, note=note)
    except DBAPIError as exc:  # a heartbeat is best effort; the next batch retries the DB
        log.warning("poller_heartbeat_failed", channel=channel, error=type(exc).__name__)
