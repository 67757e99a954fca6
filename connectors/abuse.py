"""Per-sender rate limits for the chat webhooks: a pure token bucket over a shared store."""

from __future__ import annotations

import asyncio
import hashlib
import math
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from prometheus_client import Counter

#: Webhook bodies larger than this are refused with 413 before parsing (a Twilio form is ~2 kB,
#: a Meta batch or Telegram update rarely above 50 kB).
MAX_WEBHOOK_BYTES = 256_000

IGNORED_EVENTS = Counter(
    "intake_webhook_ignored_total",
    "Webhook events ignored (stickers, reactions, edits, receipts)",
    ["channel", "reason"],
)
RATE_LIMITED = Counter(
    "intake_webhook_rate_limited_total",
    "Messages held because their sender exceeded the rate limit",
    ["channel"],
)
LIMITER_UNAVAILABLE = Counter(
    "intake_rate_limiter_unavailable_total",
    "Messages let through unchecked because the rate-limit store was unreachable",
)
REFUSED = Counter(
    "intake_webhook_refused_total",
    "Webhook requests refused (bad signature, too large)",
    ["channel", "reason"],
)

#: Default: a burst of 10 messages, then one every 6 seconds (10 a minute) per sender.
DEFAULT_CAPACITY = 10.0
DEFAULT_REFILL_PER_S = 1 / 6


@dataclass(frozen=True)
class Bucket:
    """A sender's bucket: tokens left at a moment."""

    tokens: float
    updated_at: float


@dataclass(frozen=True)
class Decision:
    """Whether a message may go on, and when the sender may write again if not."""

    allowed: bool
    retry_after_s: float = 0.0


def take(
    bucket: Bucket | None, now: float, capacity: float, refill_per_s: float
) -> tuple[Decision, Bucket]:
    """Refill for the time passed, then take one token if there is one (pure)."""
    if bucket is None:
        bucket = Bucket(tokens=capacity, updated_at=now)
    elapsed = max(now - bucket.updated_at, 0.0)
    tokens = min(capacity, bucket.tokens + elapsed * refill_per_s)
    if tokens >= 1.0:
        return Decision(True), Bucket(tokens - 1.0, now)
    wait = (1.0 - tokens) / refill_per_s if refill_per_s > 0 else math.inf
    return Decision(False, wait), Bucket(tokens, now)


def sender_key(channel: str, handle: str) -> str:
    """A store key that does not keep the phone number or user id in clear (UU 27/2022)."""
    digest = hashlib.sha256(f"{channel}:{handle}".encode()).hexdigest()[:24]
    return f"intake:rl:{channel}:{digest}"


class Store(Protocol):
    """Where buckets live: one process (memory) or all web processes (Redis)."""

    def take(self, key: str, now: float) -> Decision:
        """Apply the bucket rule atomically for key."""
        ...


class MemoryStore:
    """Buckets in this process, bounded (least recently used senders are forgotten)."""

    def __init__(
        self,
        capacity: float = DEFAULT_CAPACITY,
        refill_per_s: float = DEFAULT_REFILL_PER_S,
        max_keys: int = 100_000,
    ) -> None:
        self.capacity, self.refill_per_s, self.max_keys = capacity, refill_per_s, max_keys
        self._buckets: OrderedDict[str, Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str, now: float) -> Decision:
        """Apply the bucket rule under a lock."""
        with self._lock:
            decision, bucket = take(self._buckets.get(key), now, self.capacity, self.refill_per_s)
            self._buckets[key] = bucket
            self._buckets.move_to_end(key)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
            return decision


# The same rule as take(), run inside Redis so concurrent web processes share one bucket.
_LUA_TAKE = """
local cap = tonumber(ARGV[1]); local rate = tonumber(ARGV[2]); local now = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 't', 'u')
local tokens = tonumber(b[1]) or cap
local updated = tonumber(b[2]) or now
local elapsed = math.max(now - updated, 0)
tokens = math.min(cap, tokens + elapsed * rate)
local allowed = 0
if tokens >= 1 then tokens = tokens - 1; allowed = 1 end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'u', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(cap / rate) + 60)
return {allowed, tostring(tokens)}
"""


class RedisStore:
    """Buckets in Redis (REDIS_URL): one Lua script per message, atomic across processes."""

    def __init__(
        self,
        client: Any,
        capacity: float = DEFAULT_CAPACITY,
        refill_per_s: float = DEFAULT_REFILL_PER_S,
    ) -> None:
        self.capacity, self.refill_per_s = capacity, refill_per_s
        self._script = client.register_script(_LUA_TAKE)

    def take(self, key: str, now: float) -> Decision:
        """Run the bucket script for key; while Redis is unreachable, let messages through."""
        import redis  # noqa: PLC0415

        try:
            allowed, tokens = self._script(keys=[key], args=[self.capacity, self.refill_per_s, now])
        except redis.RedisError:
            # Fail open: a limiter outage must not refuse citizens' reports (they are still
            # stored once each; Redis being down is visible on /readyz and in this counter).
            LIMITER_UNAVAILABLE.inc()
            return Decision(True)
        if int(allowed):
            return Decision(True)
        return Decision(False, (1.0 - float(tokens)) / self.refill_per_s)


class RateLimiter:
    """Per-sender limiter the webhooks call before storing a message as a report."""

    def __init__(self, store: Store, clock: Any = time.time) -> None:
        self.store, self.clock = store, clock

    def check(self, channel: str, handle: str) -> Decision:
        """Take one token for this sender; senders without a handle are never limited."""
        if not handle:
            return Decision(True)
        return self.store.take(sender_key(channel, handle), self.clock())


_shared: dict[str, RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(redis_url: str = "") -> RateLimiter:
    """The process-wide limiter: Redis when REDIS_URL is set, memory otherwise."""
    with _shared_lock:
        if redis_url not in _shared:
            if redis_url:
                import redis  # noqa: PLC0415  (only when configured)

                store: Store = RedisStore(redis.Redis.from_url(redis_url))
            else:
                store = MemoryStore()
            _shared[redis_url] = RateLimiter(store)
        return _shared[redis_url]


class PayloadTooLarge(Exception):
    """A webhook body over the limit: answered 413, never parsed or stored."""


async def read_body(request: Any, channel: str, limit: int = MAX_WEBHOOK_BYTES) -> bytes:
    """Read a request body, refusing by Content-Length first and while streaming."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        REFUSED.labels(channel, "too_large").inc()
        raise PayloadTooLarge(channel)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            REFUSED.labels(channel, "too_large").inc()
            raise PayloadTooLarge(channel)
    return bytes(body)


# One writer thread for SQLite, a small pool for PostgreSQL; created on first use.
_writers: dict[str, ThreadPoolExecutor] = {}
_writers_lock = threading.Lock()


def _writer(database_url: str) -> ThreadPoolExecutor:
    kind = "sqlite" if database_url.startswith("sqlite") else "server"
    with _writers_lock:
        if kind not in _writers:
            _writers[kind] = ThreadPoolExecutor(
                max_workers=1 if kind == "sqlite" else 10, thread_name_prefix=f"intake-{kind}"
            )
        return _writers[kind]


async def run_store(database_url: str, fn: Any, *args: Any) -> Any:
    """Run a blocking store call off the event loop; one at a time on SQLite.

    SQLite has one writer: concurrent BEGIN IMMEDIATE transactions wait in its busy handler,
    which sleeps in steps of up to 100 ms, so 40 threadpool threads racing for the lock turn a
    0.5 ms insert into a 300 ms tail. One dedicated writer thread keeps each insert short (and
    its connection warm) without blocking the event loop; PostgreSQL takes ten in parallel.
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_writer(database_url), partial(fn, *args))


def ignored(channel: str, reason: str) -> None:
    """Count an event we do not handle (stickers, reactions, edits); no error, no storage."""
    IGNORED_EVENTS.labels(channel, reason[:40]).inc()


def admit(msgs: list[Any], limiter: RateLimiter, accept: Any = None) -> list[Any]:
    """Hand parsed messages to the intake sink, holding those of senders over their limit."""
    if accept is None:
        from connectors.intake import accept  # noqa: PLC0415  (needs the configured database)
    acks = []
    for msg in msgs:
        decision = limiter.check(msg.channel, msg.sender.handle)
        if not decision.allowed:
            RATE_LIMITED.labels(msg.channel).inc()
        acks.append(accept(msg, hold_reason="" if decision.allowed else "rate_limited"))
    return acks


def reset_shared() -> None:
    """Forget the process-wide limiters (tests; a settings reload)."""
    with _shared_lock:
        _shared.clear()
