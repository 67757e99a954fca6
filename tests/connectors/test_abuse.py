"""Per-sender rate limits: the pure bucket, the memory store and the Redis store agree."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from connectors.abuse import (
    MemoryStore,
    RateLimiter,
    RedisStore,
    admit,
    sender_key,
    take,
)
from connectors.contract import InboundMessage, Sender


def test_bucket_allows_a_burst_then_refuses_until_refilled() -> None:
    bucket, outcomes = None, []
    for _ in range(4):
        decision, bucket = take(bucket, now=100.0, capacity=3, refill_per_s=0.5)
        outcomes.append(decision.allowed)
    assert outcomes == [True, True, True, False]
    assert decision.retry_after_s == pytest.approx(2.0)
    decision, bucket = take(bucket, now=102.0, capacity=3, refill_per_s=0.5)
    assert decision.allowed


def test_memory_store_limits_one_sender_without_touching_another() -> None:
    limiter = RateLimiter(MemoryStore(capacity=2, refill_per_s=0.01), clock=lambda: 50.0)
    first = [limiter.check("twilio", "+6281200000001").allowed for _ in range(3)]
    assert first == [True, True, False]
    assert limiter.check("twilio", "+6281200000009").allowed


def test_memory_store_forgets_the_oldest_senders_beyond_its_bound() -> None:
    store = MemoryStore(capacity=1, refill_per_s=0.001, max_keys=2)
    for key in ("a", "b", "c"):
        store.take(key, 1.0)
    assert store.take("a", 1.0).allowed  # "a" was evicted: a fresh bucket


def test_keys_do_not_contain_the_phone_number() -> None:
    key = sender_key("twilio", "whatsapp:+6281200000002")
    assert "6281200000002" not in key and key.startswith("intake:rl:twilio:")


def test_admit_holds_the_messages_of_a_flooding_sender() -> None:
    calls: list[tuple[str, str]] = []

    def accept(msg: InboundMessage, *, hold_reason: str = "") -> str:
        calls.append((msg.external_id, hold_reason))
        return hold_reason or "ok"

    limiter = RateLimiter(MemoryStore(capacity=2, refill_per_s=0.001), clock=lambda: 10.0)
    msgs = [
        InboundMessage(
            channel="telegram",
            external_id=f"1:{i}",
            text="Banjir di Kemang",
            sender=Sender(handle="1001"),
        )
        for i in range(3)
    ]
    admit(msgs, limiter, accept=accept)
    assert [reason for _, reason in calls] == ["", "", "rate_limited"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_client() -> Iterator[Any]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server not installed")
    import redis

    port = _free_port()
    cmd = ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)  # noqa: S603
    client = redis.Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield client
    proc.terminate()
    proc.wait(5)


@pytest.mark.redis
def test_redis_store_applies_the_same_rule_as_the_pure_bucket(redis_client: Any) -> None:
    store = RedisStore(redis_client, capacity=3, refill_per_s=0.5)
    bucket, expected, got = None, [], []
    for now in (100.0, 100.0, 100.0, 100.0, 101.0, 102.0, 102.0):
        decision, bucket = take(bucket, now, 3, 0.5)
        expected.append(decision.allowed)
        got.append(store.take("intake:rl:test:x", now).allowed)
    assert got == expected == [True, True, True, False, False, True, False]


def test_unreachable_redis_lets_messages_through() -> None:
    import redis

    store = RedisStore(redis.Redis(port=_free_port(), socket_connect_timeout=0.2))
    assert store.take("intake:rl:twilio:x", 1.0).allowed
