"""An in-memory stand-in for connectors.intake with the same idempotency (unique channel+id)."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from connectors.contract import InboundMessage


@dataclass
class MemorySink:
    """Rows keyed by (channel, external_id); checkpoint saved together with the rows."""

    rows: dict[tuple[str, str], InboundMessage] = field(default_factory=dict)
    malformed: dict[tuple[str, str], str] = field(default_factory=dict)
    checkpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    heartbeats: list[tuple[str, float | None, str]] = field(default_factory=list)
    batches: int = 0
    fail_next_batches: int = 0  # simulate the database being down
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def accept_batch(
        self, channel: str, msgs: list[InboundMessage], cursor: dict[str, Any]
    ) -> list[bool]:
        """Store rows and cursor atomically; returns created flags."""
        from sqlalchemy.exc import OperationalError  # noqa: PLC0415

        with self._lock:
            if self.fail_next_batches:
                self.fail_next_batches -= 1
                raise OperationalError("INSERT", {}, Exception("database is locked"))
            created = []
            for msg in msgs:
                key = (channel, msg.external_id)
                created.append(key not in self.rows)
                self.rows.setdefault(key, msg)
            self.checkpoints[channel] = dict(cursor)
            self.batches += 1
            return created

    def store_malformed(self, channel: str, external_id: str, raw: Any, error: str) -> bool:
        """Keep a bad item once."""
        with self._lock:
            key = (channel, external_id)
            created = key not in self.malformed
            self.malformed.setdefault(key, error)
            return created

    def load_checkpoint(self, channel: str) -> dict[str, Any] | None:
        """The last saved cursor."""
        cursor = self.checkpoints.get(channel)
        return dict(cursor) if cursor is not None else None

    def heartbeat(self, channel: str, *, lag_seconds: float | None = None, note: str = "") -> None:
        """Remember each heartbeat."""
        self.heartbeats.append((channel, lag_seconds, note))

    def texts(self, channel: str) -> list[str]:
        """Texts stored for a channel, in insertion order."""
        return [m.text for (ch, _), m in self.rows.items() if ch == channel]


def poll_until_caught_up(
    channel: str, poller: Any, sink: MemorySink, *, max_fetches: int | None = None
) -> None:
    """Run the real poll loop until the provider has nothing more (or after max_fetches)."""
    from connectors.poll_loop import run  # noqa: PLC0415

    stop = threading.Event()
    real = poller.fetch
    calls = {"n": 0}

    def fetch(cursor: dict[str, Any] | None) -> Any:
        result = real(cursor)
        calls["n"] += 1
        if not getattr(poller, "has_more", False) or (max_fetches and calls["n"] >= max_fetches):
            stop.set()  # like SIGTERM during the fetch: the batch is finished, then run() returns
        return result

    poller.fetch = fetch
    worker = threading.Thread(
        target=run,
        args=(channel, poller),
        kwargs={"interval_s": 0, "stop": stop, "sink": sink, "rng": random.Random(3)},
    )
    worker.start()
    worker.join(60)
    assert not worker.is_alive(), "poll loop did not return after stop was set"
