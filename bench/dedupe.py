"""Dedupe + triage cost against a growing open-report history, and quality on labelled pairs.

    uv run python -m bench.dedupe [--sizes 10000,100000,1000000] [--queries 1000]
                                  [--span-days 30 | --per-day 673]

By default every history is spread over the last 30 days (a stress test: 1M is 50x Jakarta's
real rate, and a larger history is a denser one); --per-day spreads each at a fixed arrival
rate instead, so a larger history is an older one (how a deployment grows).

For each size: builds that many open reports in a fresh SQLite file (Core executemany),
skewed over the 267 kelurahan (Zipf-like: dense kelurahan get more) and the categories, with
texts from real complaint phrasing (tests/data/dev_set.jsonl and intake/synth.py's phrases);
triages new reports one by one (dedupe.candidates -> triage.decide, single thread; the
histories take turns, BATCH reports each, so the shared machine's drift weighs on every size
alike) and prints per-report time (median, p95), rows read from the blocks and candidates
kept; then, against that history, triages each labelled pair (original stored days ago, the
new text now) and prints precision/recall/F1 both for automatic linking (score >=
duplicate_above) and for "flagged" (linked, or sent to review with the right candidate
listed), on the tuning set (tests/pipeline/data/dedupe_pairs.jsonl, thresholds chosen on it),
the held-out set (dedupe_pairs_holdout.jsonl: thresholds never tuned on it, but its misses
guided fixes) and the fresh set (dedupe_pairs_fresh.jsonl, written by someone who had not read
the dedupe code): its first half's misses were read too, its second half never (the honest
figure, column "untouched").
Targets (issue #6): cost at 1M <= 1.5x cost at 10k, < 5 ms per report on one core,
F1 >= 0.95.
"""

from __future__ import annotations

import contextlib
import os
import random
import statistics
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from bench.dedupe_data import (
    FRESH_FILE,
    FRESH_INSPECTED_LAST,
    HOLDOUT_FILE,
    INSERT_HISTORY,
    PAIRS_FILE,
    Pair,
    fresh_pairs,
    history_rows,
    holdout_pairs,
    labelled_pairs,
    new_messages,
)

console = Console()
WARM_UP = 200  # untimed reports triaged against each history first
BATCH = 50  # new reports per history per turn
Timed = tuple[float, int, int]  # one new report: ms, rows read, candidates kept


@dataclass
class PairResult:
    """One labelled pair, triaged: the decision and the score of the right candidate."""

    kind: str
    same: bool
    auto: bool  # linked to its original
    flagged: bool  # linked, or sent to review listing its original
    elsewhere: bool  # linked to some other report
    score: float | None  # the original's score, None when blocking did not find it
    best: bool  # the original was the best candidate


@dataclass
class Figures:
    """What one history size measured."""

    size: int
    build_s: float
    db_mb: float
    times_ms: list[float]
    mean_rows: float
    mean_candidates: float
    pairs: list[PairResult]
    holdout: list[PairResult]
    fresh: list[PairResult]


def _env(workdir: Path) -> None:
    from config.settings import get_settings  # noqa: PLC0415
    from pipeline import migrate  # noqa: PLC0415
    from pipeline.db import reset_engine  # noqa: PLC0415

    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.db'}"
    os.environ["INTAKE_VAR_DIR"] = str(workdir)
    get_settings.cache_clear()
    reset_engine()
    migrate.upgrade()


def _build(size: int, now: datetime, span_days: float, seed: int) -> float:
    """Bulk-load the history: secondary indexes dropped, rows in batches, indexes rebuilt.

    Creating an index over sorted data is far cheaper than growing eleven B-trees row by row
    (https://sqlite.org/lang_createindex.html; the usual bulk-load recipe).
    """
    from pipeline.db import get_engine  # noqa: PLC0415

    started = time.perf_counter()
    rows = history_rows(size, now, span_days, seed)
    with get_engine().begin() as conn:
        indexes = conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'report' "
            "AND sql IS NOT NULL"
        ).all()
        for name, _ in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        while batch := list(islice(rows, 20_000)):
            conn.exec_driver_sql(INSERT_HISTORY, batch)
        for _, sql in indexes:
            conn.exec_driver_sql(sql)
    with get_engine().begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _store(session: Any, draft: Any, created_at: datetime, conversation: str) -> Any:
    from pipeline import stages  # noqa: PLC0415
    from pipeline.models import Report  # noqa: PLC0415

    values = stages._draft_values(draft)
    report = Report(
        reference="IN-" + uuid.uuid4().hex[:10].upper(),
        inbox_message_id=uuid.uuid4().int % 10**15,
        channel="twilio",
        conversation_id=conversation,
        created_at=created_at,
        **values,
    )
    session.add(report)
    session.flush()
    return report


def _triage(session: Any, report: Any, settings: Any) -> tuple[Any, list[Any], float]:
    from pipeline import dedupe, stages  # noqa: PLC0415
    from pipeline.completeness import rules_for  # noqa: PLC0415
    from pipeline.triage import decide  # noqa: PLC0415

    started = time.thread_time()  # CPU of this thread: the machine is shared, wall time isn't
    found = dedupe.candidates(session, report, settings)
    decision = decide(stages.draft_of(report), found, rules_for(report.channel), settings)
    return decision, found, (time.thread_time() - started) * 1000


def _measure(sizes: list[int], queries: int, spans: list[float], seed: int) -> list[Figures]:
    """Build every history, then time the new reports against them in turns.

    The machine is shared (a VM whose speed drifts by tens of percent between minutes), so the
    sizes are not timed one after the other: batches of the same new reports go to each history
    in turn, and a drift weighs on every size alike. Each history has its own engine, warmed
    first (a worker runs for days: caches filled, statements compiled, pages read).
    """
    from sqlmodel import Session  # noqa: PLC0415

    from config.settings import get_settings  # noqa: PLC0415
    from pipeline.db import make_engine  # noqa: PLC0415

    now = datetime.now(UTC)
    settings = get_settings().triage
    with contextlib.ExitStack() as stack:
        built = []
        for size, span in zip(sizes, spans, strict=True):
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-dedupe-")))
            _env(workdir)
            built.append((workdir, _build(size, now, span, seed)))
        engines = [make_engine(f"sqlite:///{workdir / 'bench.db'}") for workdir, _ in built]
        stack.callback(lambda: [engine.dispose() for engine in engines])
        for engine in engines:
            with Session(engine) as session:
                _run(session, new_messages(WARM_UP, seed + 3, skew_seed=seed), now, settings)
        drafts = new_messages(queries, seed + 2, skew_seed=seed)
        runs: list[list[Timed]] = [[] for _ in sizes]
        for turn, start in enumerate(range(0, queries, BATCH)):
            for k in [(turn + i) % len(sizes) for i in range(len(sizes))]:
                with Session(engines[k]) as session:
                    runs[k] += _run(session, drafts[start : start + BATCH], now, settings)
        figures = []
        for k, size in enumerate(sizes):
            rng = random.Random(seed + 1)
            with Session(engines[k]) as session:
                pairs = [_pair(session, p, now, rng, settings) for p in labelled_pairs()]
                holdout = [_pair(session, p, now, rng, settings) for p in holdout_pairs()]
                fresh = [_pair(session, p, now, rng, settings) for p in fresh_pairs()]
            times, rows, kept = zip(*runs[k], strict=True)
            workdir, build_s = built[k]
            db_mb = (workdir / "bench.db").stat().st_size / 1e6
            rows_read, kept_mean = statistics.fmean(rows), statistics.fmean(kept)
            figure = Figures(
                size, build_s, db_mb, list(times), rows_read, kept_mean, pairs, holdout, fresh
            )
            figures.append(figure)
    return figures


def _run(session: Any, drafts: list[Any], now: datetime, settings: Any) -> list[Timed]:
    """(ms, rows read, candidates kept) of each new report, triaged and rolled back."""
    from pipeline.blocking import blocked_rows  # noqa: PLC0415

    found = []
    for index, draft in enumerate(drafts):
        report = _store(session, draft, now, f"query-{index}")
        _, candidates, ms = _triage(session, report, settings)
        read = len(blocked_rows(session, report, settings))  # after the clock
        session.rollback()  # every query meets the same history
        found.append((ms, read, len(candidates)))
    return found


def _pair(session: Any, pair: Pair, now: datetime, rng: random.Random, settings: Any) -> PairResult:
    """Store the original (days ago) and the new text, triage, look, roll both back."""
    from pipeline.triage import Outcome  # noqa: PLC0415

    original = _store(session, pair.a, now - timedelta(days=rng.uniform(0.5, 10)), "a-" + pair.id)
    report = _store(session, pair.b, now, "b-" + pair.id)
    decision, found, _ = _triage(session, report, settings)
    session.rollback()
    mine = [c for c in found if c.report_id == original.id]
    linked = decision.outcome is Outcome.DUPLICATE
    auto = linked and decision.duplicate_of == original.id
    listed = any(c.report_id == original.id for c in decision.candidates)
    return PairResult(
        kind=pair.kind,
        same=pair.same,
        auto=auto,
        flagged=auto or (decision.outcome is Outcome.NEEDS_REVIEW and listed),
        elsewhere=linked and not auto,
        score=mine[0].score if mine else None,
        best=bool(found) and found[0].report_id == original.id,
    )


def _split(fresh: list[PairResult]) -> tuple[list[PairResult], list[PairResult]]:
    """The fresh set's results as (inspected half, untouched half): bench.dedupe_data."""
    return fresh[:FRESH_INSPECTED_LAST], fresh[FRESH_INSPECTED_LAST:]


def _tally(results: list[tuple[bool, bool]]) -> tuple[int, int, int]:
    """(tp, fp, fn) of (predicted, actual) pairs."""
    tp = sum(p and a for p, a in results)
    fp = sum(p and not a for p, a in results)
    return tp, fp, sum(a and not p for p, a in results)


def _prf(tp: int, fp: int, fn: int) -> str:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f"P {precision:.2f} R {recall:.2f} F1 {f1:.2f}"


def _quality(label: str, pairs: list[PairResult], settings: Any) -> None:
    """P/R/F1 of the decisions at the configured thresholds, at other thresholds, and by kind."""
    auto = _tally([(p.auto, p.same) for p in pairs])
    flagged = _tally([(p.flagged, p.same) for p in pairs])
    console.print(
        f"  {label} ({len(pairs)}): auto-link {_prf(*auto)}  flagged {_prf(*flagged)}  "
        f"linked to another report: {sum(p.elsewhere for p in pairs)}  "
        f"original not among candidates: {sum(p.same and p.score is None for p in pairs)}"
    )
    for above in sorted({0.8, 0.85, 0.88, 0.92, settings.duplicate_above}):
        hits = [(p.best and (p.score or 0) >= above, p.same) for p in pairs]
        console.print(f"    auto-link if duplicate_above={above:.2f}: {_prf(*_tally(hits))}")
    for above in sorted({0.6, 0.65, 0.7, 0.75, settings.review_above}):
        hits = [((p.score or 0) >= above, p.same) for p in pairs]
        console.print(f"    flagged if review_above={above:.2f}: {_prf(*_tally(hits))}")
    kinds = sorted({p.kind for p in pairs})
    by_kind = [
        f"{k} {sum(p.flagged == p.same for p in pairs if p.kind == k)}/"
        f"{sum(p.kind == k for p in pairs)}"
        for k in kinds
    ]
    console.print("    right by kind: " + ", ".join(by_kind))


def main(
    sizes: str = typer.Option("10000,100000,1000000", help="history sizes, comma-separated"),
    queries: int = typer.Option(1000, help="new reports triaged at each size"),
    span_days: float = typer.Option(30.0, help="history spread over this many days"),
    per_day: float = typer.Option(
        0.0,
        help="instead: spread each history at this many reports a day (Jakarta: ~673, "
        "seeds/003), so a larger history is an older one, not a denser one",
    ),
    seed: int = typer.Option(1708),
) -> None:
    """Build each history, triage new reports against it, print the figures."""
    from config.settings import TriageSettings  # noqa: PLC0415

    table = Table(title=f"dedupe + triage, {queries} new reports per size (one thread, CPU time)")
    columns = ("history", "build", "median", "p95", "rows", "kept", "inspected", "untouched")
    for col in columns:
        table.add_column(col, justify="right")
    counts = [int(s) for s in sizes.split(",")]
    spans = [size / per_day if per_day else span_days for size in counts]
    results = _measure(counts, queries, spans, seed)
    for fig in results:
        size = fig.size
        times = sorted(fig.times_ms)
        median, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        inspected, untouched = _split(fig.fresh)
        seen = _tally([(p.flagged, p.same) for p in fig.pairs + fig.holdout + inspected])
        unseen = _tally([(p.flagged, p.same) for p in untouched])
        table.add_row(
            f"{size:,}",
            f"{fig.build_s:.0f} s",
            f"{median:.2f} ms",
            f"{p95:.2f} ms",
            f"{fig.mean_rows:.0f}",
            f"{fig.mean_candidates:.0f}",
            _prf(*seen),
            _prf(*unseen),
        )
        console.print(
            f"{size:,} reports ({fig.db_mb:.0f} MB): built in {fig.build_s:.0f} s, median "
            f"{median:.2f} ms, p95 {p95:.2f} ms, {fig.mean_rows:.0f} rows read and "
            f"{fig.mean_candidates:.0f} candidates kept per report"
        )
        _quality("tuning pairs", fig.pairs, TriageSettings())
        _quality("held-out pairs", fig.holdout, TriageSettings())
        inspected, untouched = _split(fig.fresh)
        _quality("fresh pairs, 1st half (misses read)", inspected, TriageSettings())
        _quality("fresh pairs, 2nd half (untouched)", untouched, TriageSettings())
    console.print(table)
    if len(results) > 1:
        first, last = results[0], results[-1]
        ratio = statistics.median(last.times_ms) / statistics.median(first.times_ms)
        console.print(f"median cost at {last.size:,} / at {first.size:,}: {ratio:.2f}x")
    console.print(
        f"flagged = linked, or in review listing the original. Thresholds were tuned on "
        f"{PAIRS_FILE.name}; misses of {HOLDOUT_FILE.name} and of the first {FRESH_INSPECTED_LAST} "
        f"pairs of {FRESH_FILE.name} were read to choose fixes; 'untouched' is the rest of "
        f"{FRESH_FILE.name}, written by someone who had not read the dedupe code, never inspected"
    )


if __name__ == "__main__":
    typer.run(main)
