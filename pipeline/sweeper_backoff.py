"""How often the sweeper re-enqueues a row that stays stuck: exponential back-off, in memory.

The sweeper cannot see whether a stuck row's message still waits in the broker (a long backlog)
or was lost (Redis restarted without AOF, docs/reliability.md). Re-enqueueing every row on every
pass, as it did, adds one more message per waiting row each deadline: a backlog older than the
deadline grows by itself. Each row is instead re-enqueued after the deadline, then after 2, 4 and
8 deadlines (the cap), as long as it stays stuck.

Nothing waits for the back-off once messages are known lost: when the broker holds fewer messages
than the rows being held back, some of those rows cannot still be queued, and every stuck row is
re-enqueued at once (what the sweeper always did). The memory belongs to one sweeper process; a
restart forgets it, which costs one extra message per stuck row, never a lost row.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import dramatiq
import structlog

from pipeline.broker import is_in_process

log = structlog.get_logger(__name__)
#: The longest wait between two re-enqueues of one stuck row, in deadlines (16 min at 120 s).
CAP_DEADLINES = 8
QUEUE = "intake"
Key = tuple[str, int]  # (actor name, row id)


@dataclass(frozen=True)
class Plan:
    """One pass's decision: what to re-enqueue now, and what waits for its back-off."""

    requeue: dict[str, list[int]]
    held_back: int
    lost: bool  # the broker cannot hold every held-back row's message: back-off ignored


@dataclass
class Backoff:
    """What this sweeper re-enqueued: (actor, row) -> (times, not before)."""

    entries: dict[Key, tuple[int, datetime]] = field(default_factory=dict)

    def remembered(self, name: str) -> int:
        """Rows of one actor this memory holds (the query reads this many more than a batch)."""
        return sum(1 for n, _ in self.entries if n == name)

    def plan(
        self,
        stuck: dict[str, list[int]],
        now: datetime,
        deadline: timedelta,
        queued: int | None,
        limit: int,
    ) -> Plan:
        """Decide this pass and remember it; rows no longer stuck are forgotten (no I/O)."""
        current = {(name, row_id) for name, ids in stuck.items() for row_id in ids}
        self.entries = {k: v for k, v in self.entries.items() if k in current}
        held = {k for k in current if k in self.entries and self.entries[k][1] > now}
        # Unknown depth (broker unreachable) or fewer messages than held rows: some were lost.
        lost = bool(held) and (queued is None or queued < len(held))
        requeue: dict[str, list[int]] = {}
        for name, ids in stuck.items():
            due = [i for i in ids if lost or (name, i) not in held]
            # Never re-enqueued first (they may be the lost ones), then the least re-enqueued.
            due.sort(key=lambda i, n=name: self.entries.get((n, i), (0, now))[0])
            requeue[name] = due[:limit]
            for row_id in requeue[name]:
                times = 0 if lost else self.entries.get((name, row_id), (0, now))[0]
                wait = deadline * min(2**times, CAP_DEADLINES)
                self.entries[(name, row_id)] = (times + 1, now + wait)
        held_back = len(current) - sum(len(v) for v in requeue.values())
        return Plan(requeue, held_back, lost)


def queued_messages(broker: dramatiq.Broker) -> int | None:
    """Messages the broker holds for the pipeline queue (waiting + delayed), None if unknown."""
    try:
        if is_in_process(broker):
            queues = broker.queues  # type: ignore[attr-defined]
            return sum(queues[q].qsize() for q in (QUEUE, f"{QUEUE}.DQ") if q in queues)
        # dramatiq's Redis layout (brokers/redis/dispatch.lua): a hash of id -> message per
        # queue holds every message not yet acked, waiting or fetched by a worker.
        client, ns = broker.client, broker.namespace  # type: ignore[attr-defined]
        return int(client.hlen(f"{ns}:{QUEUE}.msgs")) + int(client.hlen(f"{ns}:{QUEUE}.DQ.msgs"))
    except Exception as exc:  # noqa: BLE001 - an unreadable broker means "assume lost"
        log.warning("sweep_queue_depth_unknown", error=type(exc).__name__)
        return None


_memories: dict[tuple[str, int], Backoff] = {}
_lock = threading.Lock()


def memory_for(database_url: str, broker: dramatiq.Broker) -> Backoff:
    """This process's back-off memory for one database and broker (tests make many of each)."""
    with _lock:
        return _memories.setdefault((database_url, id(broker)), Backoff())
