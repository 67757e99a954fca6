"""What observability costs on a big database: /metrics counts, `intake stats`, correlation lookups.

    .venv/bin/python bench/ops_metrics.py [--rows 200000] [--database-url postgresql://...]

Seeds ROWS inbox messages with one report each (states, reasons and channels spread like a
working year), then times PipelineCollector.gather() (what a /metrics scrape costs when the
cache is cold), pipeline.stats.snapshot() for today, and the correlation-id lookup every actor
run without a carried id pays. Figures vary +-25% on shared 2-core machines.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHANNELS = ["twilio", "email", "twitter", "facebook", "telegram", "lapor1708", "walkin"]
STATES = (
    ["pushed"] * 80
    + ["duplicate"] * 8
    + ["rejected"] * 6
    + ["needs_review"] * 4
    + [
        "needs_info",
        "dead",
    ]
)
CRM_STATUSES = ["Menunggu", "Proses", "Selesai", "Selesai"]
REASONS = ["low_location_confidence", "no_photo", "possible_duplicate", "abuse_suspected"]


def seed(rows: int) -> None:
    """ROWS inbox messages and reports over the last 365 days, in batches of 5,000."""
    from sqlalchemy import insert  # noqa: PLC0415

    from pipeline.db import get_engine  # noqa: PLC0415
    from pipeline.models import InboxMessage, Report, utcnow  # noqa: PLC0415

    rng = random.Random(7)
    now = utcnow()
    inbox, report = InboxMessage.__table__, Report.__table__  # type: ignore[attr-defined]
    for start in range(0, rows, 5000):
        msgs, reps = [], []
        for i in range(start + 1, min(rows, start + 5000) + 1):
            at = now - timedelta(seconds=rng.uniform(0, 365 * 86400))
            state = rng.choice(STATES)
            msgs.append({"id": i, "channel": rng.choice(CHANNELS), "external_id": f"b{i}",
                         "received_at": at, "stored_at": at, "updated_at": at,
                         "state": "processed", "correlation_id": uuid.uuid4().hex,
                         "payload": {}, "report_id": None})  # fmt: skip
            reps.append({"id": i, "reference": f"IN-{i:010d}", "inbox_message_id": i,
                         "channel": msgs[-1]["channel"], "state": state,
                         "reasons": [rng.choice(REASONS)] if state != "pushed" else [],
                         "normalized": {}, "created_at": at, "updated_at": at,
                         "state_changed_at": at + timedelta(seconds=rng.uniform(5, 600)),
                         "crm_status": rng.choice(CRM_STATUSES)})  # fmt: skip
        with get_engine().begin() as conn:
            conn.execute(insert(inbox), msgs)
            conn.execute(insert(report), reps)


def timed(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """(median, max) milliseconds over runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    """Seed, then print one line per measured cost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    os.environ["INTAKE_VAR_DIR"] = tempfile.mkdtemp(prefix="bench-ops-")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["REDIS_URL"] = ""

    from config.settings import get_settings  # noqa: PLC0415
    from pipeline import migrate  # noqa: PLC0415
    from pipeline.broker import get_broker  # noqa: PLC0415
    from pipeline.correlation import lookup  # noqa: PLC0415
    from pipeline.db import get_engine, session_scope  # noqa: PLC0415
    from pipeline.metrics_db import PipelineCollector  # noqa: PLC0415
    from pipeline.stats import snapshot  # noqa: PLC0415

    migrate.upgrade()
    backend = get_engine().dialect.name
    started = time.perf_counter()
    seed(args.rows)
    print(f"seeded {args.rows:,} messages + reports on {backend} in "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    collector = PipelineCollector(lambda: get_broker(get_settings()), cache_s=0)
    median, worst = timed(collector.gather, 5)
    print(f"/metrics with whole-table totals: median {median:.0f} ms, max {worst:.0f} ms")
    collector.cache_s = 3600  # totals stay cached; queues, pushes, pollers, dead letters recount
    median, worst = timed(collector.gather, 5)
    print(f"/metrics between totals (queues only): median {median:.0f} ms, max {worst:.0f} ms")

    def stats_today() -> None:
        with session_scope() as session:
            snapshot(session)

    median, worst = timed(stats_today, 5)
    print(f"intake stats (today): median {median:.0f} ms, max {worst:.0f} ms")

    rng = random.Random(3)
    ids = [rng.randint(1, args.rows) for _ in range(2000)]

    def lookups() -> None:
        for i in ids:
            with get_engine().connect() as conn:
                lookup(conn, "push_report", i)

    median, _worst = timed(lookups, 3)
    print(f"correlation lookup per actor run: {median * 1000 / len(ids):.0f} us")


if __name__ == "__main__":
    main()
