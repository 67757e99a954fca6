"""Bounded retries with exponential backoff and full jitter, for calls to a CRM.

Full jitter (sleep a uniform random time up to base * 2^attempt, capped) spreads a burst of
clients retrying after the same outage: https://aws.amazon.com/blogs/architecture/
exponential-backoff-and-jitter/. The pipeline also retries at actor level, so in-call attempts
stay few and the call raises the last CRMUnavailable when they run out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from crm_client.base import CRMUnavailable

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    """How many attempts and how long to wait between them."""

    attempts: int = 3
    base_s: float = 0.25
    cap_s: float = 4.0

    def delay(self, retry: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to sleep before retry number `retry` (1 = first retry)."""
        return rand() * min(self.cap_s, self.base_s * 2 ** (retry - 1))


def retry_call(
    attempt: Callable[[int], T],
    backoff: Backoff,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call attempt(0), attempt(1), ... until one returns; only CRMUnavailable is retried.

    The attempt number lets the caller look the report up before re-sending it. A server's
    Retry-After (RFC 9110 section 10.2.3), carried as exc.retry_after_s, replaces the jittered
    delay when longer (capped, so one call never sleeps for minutes).
    """
    for number in range(max(1, backoff.attempts)):
        try:
            return attempt(number)
        except CRMUnavailable as exc:
            if number + 1 >= backoff.attempts:
                raise
            wait = backoff.delay(number + 1)
            hinted: float | None = getattr(exc, "retry_after_s", None)
            sleep(max(wait, min(hinted, backoff.cap_s * 4)) if hinted else wait)
    raise AssertionError("unreachable")  # pragma: no cover
