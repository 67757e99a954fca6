"""Pipeline state as Prometheus gauges, counted in the database (and broker) at scrape time."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import dramatiq
import structlog
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlmodel import Session

from pipeline import deadletters
from pipeline.broker import is_in_process
from pipeline.db import get_engine
from pipeline.metrics import GAUGES
from pipeline.models import CRMPush, InboxMessage, OutboxReply, PollerCheckpoint, Report, utcnow
from pipeline.states import ReportState

log = structlog.get_logger(__name__)

QUEUE = "intake"
#: The intake's own clock: coordinate within 6 hours (crm_core.sla), counted for reports that
#: wait in the review queue before they even reach the CRM.
REVIEW_SLA = timedelta(hours=6)
#: States whose reasons are worth a label (small queues a person works through).
REASON_STATES = (ReportState.NEEDS_INFO, ReportState.NEEDS_REVIEW, ReportState.DEAD)
MAX_REASON_ROWS = 20_000
#: Whole-table totals (a scan of every inbox row and report) are recounted only every this many
#: cache periods: they move slowly and are what makes a scrape of a big database expensive.
TOTALS_EVERY = 6

_inbox = InboxMessage.__table__  # type: ignore[attr-defined]
_report = Report.__table__  # type: ignore[attr-defined]
_push = CRMPush.__table__  # type: ignore[attr-defined]
_outbox = OutboxReply.__table__  # type: ignore[attr-defined]
_checkpoint = PollerCheckpoint.__table__  # type: ignore[attr-defined]


def _age(now: datetime, then: datetime | None) -> float:
    if then is None:
        return 0.0
    if then.tzinfo is None:  # SQLite aggregates come back as naive UTC
        then = then.replace(tzinfo=now.tzinfo)
    return max(0.0, (now - then).total_seconds())


def _aware(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))  # SQLite MIN() of a timestamp is text


def _gauge(name: str, rows: list[tuple[Any, ...]]) -> Metric:
    doc, labels = GAUGES[name]
    family = GaugeMetricFamily(name, doc, labels=labels)
    for *values, number in rows:
        family.add_metric([str(v) for v in values], float(number))
    return family


def total_families(session: Session) -> list[Metric]:
    """Whole-table counts: messages per channel and state, reports per state (the slow tier)."""
    rows = session.execute(
        select(_inbox.c.channel, _inbox.c.state, func.count()).group_by(
            _inbox.c.channel, _inbox.c.state
        )
    ).all()
    received = CounterMetricFamily(
        "intake_messages_received", "Messages stored per channel", labels=["channel"]
    )
    per_channel: Counter[str] = Counter()
    for channel, _state, number in rows:
        per_channel[channel] += number
    for channel, number in sorted(per_channel.items()):
        received.add_metric([channel], number)
    states = session.execute(
        select(_report.c.state, func.count()).group_by(_report.c.state).order_by(_report.c.state)
    ).all()
    return [
        received,
        _gauge("intake_inbox_messages", [tuple(r) for r in rows]),
        _gauge("intake_reports", [tuple(r) for r in states]),
    ]


def _waiting(session: Session, state: ReportState) -> tuple[int, datetime | None]:
    """Count and oldest state change of one state (ix_report_state_changed: a range scan)."""
    number, oldest = session.execute(
        select(func.count(), func.min(_report.c.state_changed_at)).where(
            _report.c.state == state.value
        )
    ).one()
    return int(number or 0), _aware(oldest)


def queue_families(session: Session, now: datetime) -> list[Metric]:
    """The small queues a person or a stage works through: sizes, oldest ages, reasons."""
    oldest_inbox = session.execute(
        select(func.min(_inbox.c.stored_at)).where(_inbox.c.state == "received")
    ).scalar()
    reasons: Counter[tuple[str, str]] = Counter()
    for state, raw in session.execute(
        select(_report.c.state, _report.c.reasons)
        .where(_report.c.state.in_([s.value for s in REASON_STATES]))
        .limit(MAX_REASON_ROWS)
    ):
        for reason in raw if isinstance(raw, list) else json.loads(raw or "[]"):
            reasons[(state, str(reason))] += 1
    review_n, review_oldest = _waiting(session, ReportState.NEEDS_REVIEW)
    over_sla = session.execute(
        select(func.count()).where(
            _report.c.state == ReportState.NEEDS_REVIEW.value,
            _report.c.state_changed_at < now - REVIEW_SLA,
        )
    ).scalar()
    backlog = [("process_message", _age(now, _aware(oldest_inbox)))] + [
        (stage, _age(now, _waiting(session, state)[1]))
        for stage, state in (("triage_report", ReportState.NEW), ("push_report", ReportState.READY))
    ]
    return [
        _gauge("intake_reports_waiting", [(*k, n) for k, n in sorted(reasons.items())]),
        _gauge("intake_review_queue_size", [(review_n,)]),
        _gauge("intake_review_queue_oldest_age_seconds", [(_age(now, review_oldest),)]),
        _gauge("intake_review_queue_over_sla", [(over_sla or 0,)]),
        _gauge("intake_backlog_oldest_age_seconds", backlog),
    ]


def delivery_families(session: Session, now: datetime) -> list[Metric]:
    """CRM pushes and replies by state, with every attempt counted (retries = attempts - rows)."""
    families: list[Metric] = []
    for name, attempts_name, table in (
        ("crm_pushes", "crm_push_attempts", _push),
        ("replies", "reply_attempts", _outbox),
    ):
        rows = session.execute(
            select(
                table.c.state, func.count(), func.coalesce(func.sum(table.c.attempts), 0)
            ).group_by(table.c.state)
        ).all()
        families.append(_gauge(f"intake_{name}", [(s, n) for s, n, _a in rows]))
        # One total, not per state: a row's attempts would move between labels as it changes
        # state, and a counter must only grow (a dead-letter retry resets a reply's count,
        # which Prometheus' rate() reads as a counter reset).
        attempts = CounterMetricFamily(
            f"intake_{attempts_name}", f"Attempts made for {name} (retries = attempts - rows)"
        )
        attempts.add_metric([], float(sum(total for _s, _n, total in rows)))
        families.append(attempts)
    due = session.execute(
        select(func.min(_outbox.c.next_attempt_at)).where(
            _outbox.c.state == "pending", _outbox.c.next_attempt_at <= now
        )
    ).scalar()
    families.append(
        _gauge("intake_backlog_oldest_age_seconds", [("send_reply", _age(now, _aware(due)))])
    )
    return families


def poller_families(
    session: Session, now: datetime, stale_after: dict[str, float] | None = None
) -> list[Metric]:
    """Per polled channel: lag behind the provider, heartbeat age (and its limit), items."""
    rows = session.execute(
        select(
            _checkpoint.c.channel,
            _checkpoint.c.lag_seconds,
            _checkpoint.c.heartbeat_at,
            _checkpoint.c.items_total,
        )
    ).all()
    return [
        _gauge("intake_poller_lag_seconds", [(c, lag or 0.0) for c, lag, _h, _i in rows]),
        _gauge(
            "intake_poller_heartbeat_age_seconds",
            [(c, _age(now, _aware(h))) for c, _l, h, _i in rows],
        ),
        _gauge("intake_poller_items", [(c, i) for c, _l, _h, i in rows]),
        _gauge("intake_poller_stale_after_seconds", sorted((stale_after or {}).items())),
    ]


def dead_letter_family(session: Session, media_age: timedelta) -> Metric:
    """Dead letters waiting for ops, by kind (pipeline.deadletters)."""
    counts = deadletters.counts(session, media_age=media_age)
    return _gauge("intake_dead_letters", sorted(counts.items()))


def queue_family(broker: dramatiq.Broker) -> list[Metric]:
    """Queue depth, delayed messages, broker dead letters and the oldest waiting message."""
    if is_in_process(broker):
        depth = broker.queues[QUEUE].qsize() if QUEUE in broker.queues else 0
        delayed = broker.queues.get(f"{QUEUE}.DQ")
        delayed_n = delayed.qsize() if delayed else 0
        dead = len(broker.dead_letters_by_queue.get(QUEUE, []))  # type: ignore[attr-defined]
        head = broker.queues[QUEUE].queue[0] if depth else None
        oldest = dramatiq.Message.decode(head).message_timestamp if head else None
    else:
        # dramatiq's Redis layout (brokers/redis/dispatch.lua): a list of ids per queue, a hash
        # of id -> message, ".DQ" for delayed and ".XQ" (a sorted set) for dead-lettered ones.
        client, ns = broker.client, broker.namespace  # type: ignore[attr-defined]
        depth = client.llen(f"{ns}:{QUEUE}")
        delayed_n = client.llen(f"{ns}:{QUEUE}.DQ")
        dead = client.zcard(f"{ns}:{QUEUE}.XQ")
        head_id = client.lindex(f"{ns}:{QUEUE}", 0)
        raw = client.hget(f"{ns}:{QUEUE}.msgs", head_id) if head_id else None
        oldest = dramatiq.Message.decode(raw).message_timestamp if raw else None
    age = max(0.0, time.time() - oldest / 1000) if oldest else 0.0
    q = [QUEUE]
    return [
        _gauge("intake_queue_messages", [(*q, depth)]),
        _gauge("intake_queue_delayed_messages", [(*q, delayed_n)]),
        _gauge("intake_queue_dead_messages", [(*q, dead)]),
        _gauge("intake_queue_oldest_message_age_seconds", [(*q, age)]),
    ]


def _merge(families: list[Metric]) -> list[Metric]:
    """Families of the same name (backlog ages from several tables) become one."""
    merged: dict[str, Metric] = {}
    for family in families:
        if family.name in merged:
            merged[family.name].samples.extend(family.samples)
        else:
            merged[family.name] = family
    return list(merged.values())


class PipelineCollector(Collector):
    """Register once in the web process: counts are cached for `cache_s` between scrapes."""

    def __init__(
        self,
        broker_of: Callable[[], dramatiq.Broker],
        cache_s: float = 10.0,
        media_age: timedelta = deadletters.DEFAULT_MEDIA_AGE,
        stale_after: dict[str, float] | None = None,
    ) -> None:
        self.broker_of = broker_of
        self.cache_s = cache_s
        self.media_age = media_age
        self.stale_after = stale_after or {}
        self._lock = threading.Lock()
        self._cached: list[Metric] = []
        self._at = float("-inf")
        self._totals: list[Metric] = []
        self._totals_at = float("-inf")

    def configure(
        self, cache_s: float, media_age: timedelta, stale_after: dict[str, float]
    ) -> None:
        """New settings (a new app in this process): forget what was counted."""
        with self._lock:
            self.cache_s, self.media_age, self.stale_after = cache_s, media_age, stale_after
            self._cached, self._at = [], float("-inf")
            self._totals, self._totals_at = [], float("-inf")

    def gather(self) -> list[Metric]:
        """Count everything now (one short read transaction, then the broker)."""
        started = time.perf_counter()
        now = utcnow()
        with Session(get_engine()) as session:
            if time.monotonic() - self._totals_at >= self.cache_s * TOTALS_EVERY:
                self._totals, self._totals_at = total_families(session), time.monotonic()
            families = [
                *self._totals,
                *queue_families(session, now),
                *delivery_families(session, now),
                *poller_families(session, now, self.stale_after),
                dead_letter_family(session, self.media_age),
            ]
        families += queue_family(self.broker_of())
        families.append(
            _gauge("intake_metrics_collect_seconds", [(time.perf_counter() - started,)])
        )
        return _merge(families)

    def collect(self) -> Iterator[Metric]:
        """The cached families, recounted when older than cache_s; nothing if the DB is down."""
        with self._lock:
            if time.monotonic() - self._at >= self.cache_s:
                try:
                    self._cached, self._at = self.gather(), time.monotonic()
                except Exception as exc:  # noqa: BLE001 - /metrics must answer; readyz says why
                    log.warning("metrics_collect_failed", error=type(exc).__name__)
                    self._cached = []
            yield from self._cached
