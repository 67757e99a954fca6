"""The sweeper against a backlog nobody consumes: messages it adds per row, and what a pass costs.

    .venv/bin/python bench/sweeper_backlog.py [--rows 5000] [--minutes 60] [--database-url ...]

Seeds ROWS inbox messages stuck for an hour, then runs one sweep per sweep_interval_s (30 s) of
simulated time with no worker, as a backlog the workers have not reached looks to the sweeper.
Prints the broker messages per row at the end (the old sweep added one per stuck_after_s: 30 in
an hour at 120 s) and the wall time of a pass. Figures vary +-25% on shared 2-core machines.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def seed(rows: int) -> None:
    """ROWS received inbox messages last touched an hour ago, in batches of 5,000."""
    from sqlalchemy import insert  # noqa: PLC0415

    from pipeline.db import get_engine  # noqa: PLC0415
    from pipeline.models import InboxMessage, utcnow  # noqa: PLC0415

    hour_ago = utcnow() - timedelta(hours=1)
    table = InboxMessage.__table__  # type: ignore[attr-defined]
    for start in range(0, rows, 5000):
        batch = [
            {
                "channel": "import",
                "external_id": f"bench-{i}",
                "received_at": hour_ago,
                "stored_at": hour_ago,
                "updated_at": hour_ago,
                "state": "received",
                "correlation_id": uuid.uuid4().hex,
                "payload": {},
            }  # fmt: skip
            for i in range(start, min(rows, start + 5000))
        ]
        with get_engine().begin() as conn:
            conn.execute(insert(table), batch)


def main() -> None:
    """Seed, sweep through simulated time, print figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--minutes", type=int, default=60)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    os.environ["INTAKE_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-sweeper-")
    os.environ["DATABASE_URL"], os.environ["REDIS_URL"] = args.database_url, ""

    from dramatiq import Message  # noqa: PLC0415

    from config.settings import get_settings  # noqa: PLC0415
    from pipeline import migrate, sweeper  # noqa: PLC0415
    from pipeline.broker import build_broker, configure_broker  # noqa: PLC0415
    from pipeline.sweeper_backoff import Backoff  # noqa: PLC0415

    settings = get_settings()
    migrate.upgrade()
    broker = configure_broker(settings, build_broker(settings))  # in-process, no worker
    seed(args.rows)
    every = timedelta(seconds=settings.pipeline.sweep_interval_s)
    deadline = timedelta(seconds=settings.pipeline.stuck_after_s)
    memory, pass_ms = Backoff(), []
    for _ in range(int(timedelta(minutes=args.minutes) / every)):
        started = time.perf_counter()
        sweeper.sweep(settings, deadline, backoff=memory)
        pass_ms.append((time.perf_counter() - started) * 1000)
        memory.entries = {k: (n, at - every) for k, (n, at) in memory.entries.items()}
    raw = list(broker.queues["intake"].queue)  # type: ignore[attr-defined]
    per_row = Counter(Message.decode(m).args[0] for m in raw)
    old = int(timedelta(minutes=args.minutes) / deadline)
    print(f"rows stuck: {args.rows}, simulated: {args.minutes} min, passes: {len(pass_ms)}")
    print(f"messages per row: min {min(per_row.values())} max {max(per_row.values())} "
          f"(one per deadline would be {old}); rows reached: {len(per_row)}")  # fmt: skip
    print(f"pass ms: median {statistics.median(pass_ms):.0f}, max {max(pass_ms):.0f}")


if __name__ == "__main__":
    main()
