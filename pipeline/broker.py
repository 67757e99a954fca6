"""The message broker: Redis when REDIS_URL is set, else dramatiq's in-process stub broker."""

from __future__ import annotations

import threading

import dramatiq
import structlog
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import (
    AgeLimit,
    Callbacks,
    Pipelines,
    Retries,
    ShutdownNotifications,
    TimeLimit,
)

from config.settings import Settings
from pipeline.correlation import CorrelationId
from pipeline.metrics import StageMetrics

log = structlog.get_logger(__name__)

#: A worker that stops heartbeating for this long is presumed dead and its unacked messages
#: go back to the queue at the next maintenance pass (dramatiq's default is 60 s).
HEARTBEAT_TIMEOUT_MS = 15_000
#: Maintenance (which requeues a dead worker's messages) runs on this many commands per
#: million; dramatiq's default of 1,000 made recovery take ~18 minutes at low traffic.
MAINTENANCE_CHANCE = 100_000
#: How long dead-lettered dramatiq messages stay in Redis (the database is the real record).
DEAD_MESSAGE_TTL_MS = 7 * 24 * 3600 * 1000

_lock = threading.Lock()
_configured: dramatiq.Broker | None = None


def _middleware() -> list[dramatiq.Middleware]:
    # Ours first: dramatiq runs after_* hooks in reverse, so they see Retries' verdict and keep
    # the correlation id bound while the other middleware log.
    return [
        CorrelationId(),
        StageMetrics(),
        AgeLimit(),
        TimeLimit(time_limit=120_000),
        ShutdownNotifications(),
        Callbacks(),
        Pipelines(),
        Retries(max_retries=5, min_backoff=1_000, max_backoff=60_000),
    ]


# Actors bind to the global broker when declared: set a placeholder before any actor module is
# imported so dramatiq never creates its own default RedisBroker behind our back. It carries the
# real middleware because dramatiq rejects actor options (max_retries, min_backoff) that no
# middleware of the current broker declares, so `import pipeline.actors` must work before
# configure_broker() runs.
dramatiq.set_broker(StubBroker(middleware=_middleware()))


def build_broker(settings: Settings) -> dramatiq.Broker:
    """A new broker for these settings (Redis or in-process)."""
    if settings.redis_url:
        return RedisBroker(
            url=settings.redis_url,
            middleware=_middleware(),
            heartbeat_timeout=HEARTBEAT_TIMEOUT_MS,
            maintenance_chance=MAINTENANCE_CHANCE,
            dead_message_ttl=DEAD_MESSAGE_TTL_MS,
        )
    broker = StubBroker(middleware=_middleware())
    broker.emit_after("process_boot")
    return broker


def configure_broker(settings: Settings, broker: dramatiq.Broker | None = None) -> dramatiq.Broker:
    """Make `broker` (or a new one for settings) the global broker and bind our actors to it."""
    global _configured
    with _lock:
        broker = broker or build_broker(settings)
        dramatiq.set_broker(broker)
        from pipeline import actors  # noqa: PLC0415  (actors need the broker module first)

        for actor in actors.ALL_ACTORS:
            actor.broker = broker
            broker.declare_actor(actor)
        _configured = broker
        log.info("broker_configured", kind=type(broker).__name__)
        return broker


def get_broker(settings: Settings) -> dramatiq.Broker:
    """The configured broker, configuring it on first use."""
    return _configured or configure_broker(settings)


def is_in_process(broker: dramatiq.Broker) -> bool:
    """True for the embedded in-process broker (worker runs inside this process)."""
    return isinstance(broker, StubBroker)


def start_worker(broker: dramatiq.Broker, threads: int) -> dramatiq.Worker:
    """Start a dramatiq worker consuming every declared queue in this process."""
    # With few threads dramatiq's default prefetch (2 x threads) starves siblings: keep it tight.
    worker = dramatiq.Worker(broker, worker_threads=threads, worker_timeout=100)
    worker.queue_prefetch = threads
    worker.start()
    return worker
