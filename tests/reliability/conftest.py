"""Reliability fixtures: scenario size (--long), and this suite's own Redis databases."""

from __future__ import annotations

import pytest
import redis

#: Redis databases of this suite on the shared server (brief E): 8 by default, 5-7 per scenario.
SHARED_REDIS = "redis://127.0.0.1:6379"


def redis_db(number: int) -> str:
    """A flushed database of the shared Redis that only this suite uses."""
    url = f"{SHARED_REDIS}/{number}"
    redis.Redis.from_url(url).flushdb()
    return url


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> bool:
    """True under --long: full-size scenarios (bench/faults.py)."""
    return bool(request.config.getoption("--long"))
