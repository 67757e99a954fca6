"""How long until a SIGKILLed worker's message runs again on Redis, with our broker tuning.

    uv run python -m bench.redelivery [--trials 3]

Starts a worker process, sends one slow message, SIGKILLs the worker while it holds the message,
starts a fresh worker and times until the message completes (a Redis key the actor sets).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import dramatiq
import redis as redis_lib
import typer
from dramatiq.brokers.redis import RedisBroker

from pipeline.broker import HEARTBEAT_TIMEOUT_MS, MAINTENANCE_CHANCE

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
broker = RedisBroker(
    url=REDIS_URL, heartbeat_timeout=HEARTBEAT_TIMEOUT_MS, maintenance_chance=MAINTENANCE_CHANCE
)
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name="bench_redelivery", max_retries=0, time_limit=600_000)
def slow(key: str, seconds: float) -> None:
    """Hold the message for a while, then mark it done."""
    time.sleep(seconds)
    redis_lib.Redis.from_url(REDIS_URL).set(key, "done")


def _worker() -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "dramatiq",
        "bench.redelivery",
        "--processes",
        "1",
        "--threads",
        "2",
        "--queues",
        "bench_redelivery",
    ]
    return subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # noqa: S603
        start_new_session=True,
    )


def trial(client: redis_lib.Redis) -> float:
    """Seconds from the kill until the message completed on the second worker."""
    key = f"bench:{uuid.uuid4().hex}"
    first = _worker()
    time.sleep(3)  # let it boot and heartbeat
    slow.send(key, 5.0)
    time.sleep(2)  # it is now holding the message
    os.killpg(first.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    second = _worker()
    try:
        while not client.get(key):
            if time.monotonic() - killed_at > 600:
                raise TimeoutError("message never came back")
            # Traffic drives maintenance: a live system sends messages all the time.
            slow.send(f"{key}:tick", 0.0)
            time.sleep(0.5)
        return time.monotonic() - killed_at - 5.0
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=60)


def main(trials: int = 3) -> None:
    """Run the trials and print the figures."""
    client = redis_lib.Redis.from_url(REDIS_URL)
    client.flushdb()
    results = [trial(client) for _ in range(trials)]
    print(
        f"heartbeat_timeout={HEARTBEAT_TIMEOUT_MS} ms maintenance_chance={MAINTENANCE_CHANCE}"
        f"/1,000,000: redelivered after kill in "
        + ", ".join(f"{r:.1f} s" for r in results)
        + f" (max {max(results):.1f} s)"
    )


if __name__ == "__main__":
    typer.run(main)
