"""The ceiling: how many no-op dramatiq messages per second the same broker moves on this box."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker

QUEUE = "bench_noop"


def _broker(redis_url: str) -> dramatiq.Broker:
    return RedisBroker(url=redis_url) if redis_url else StubBroker()


broker = _broker(os.environ.get("BENCH_REDIS_URL", ""))
dramatiq.set_broker(broker)


@dramatiq.actor(queue_name=QUEUE, max_retries=0)
def noop(_n: int) -> None:
    """Does nothing: the cost measured is the broker's and the worker's."""


def in_process(count: int, threads: int = 8) -> float:
    """Messages/s through the in-process stub broker with one worker of `threads` threads."""
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.start()
    start = time.perf_counter()
    for n in range(count):
        noop.send(n)
    broker.join(QUEUE)
    elapsed = time.perf_counter() - start
    worker.stop()
    return count / elapsed


def redis(count: int, processes: int = 2, threads: int = 8) -> float:
    """Messages/s through Redis with `processes` worker processes (enqueued first, then drained)."""
    broker.flush_all()
    for n in range(count):
        noop.send(n)
    env = dict(os.environ)
    cmd = [
        sys.executable,
        "-m",
        "dramatiq",
        "bench.noop_ceiling",
        "--processes",
        "1",
        "--threads",
        str(threads),
        "--queues",
        QUEUE,
    ]
    start = time.perf_counter()
    workers = [
        subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,  # noqa: S603
            stderr=subprocess.DEVNULL,
        )
        for _ in range(processes)
    ]
    try:
        broker.join(QUEUE, interval=20, timeout=600_000)
        elapsed = time.perf_counter() - start
    finally:
        for proc in workers:
            proc.terminate()
        for proc in workers:
            proc.wait(timeout=30)
    return count / elapsed
