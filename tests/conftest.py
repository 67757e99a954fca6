"""Shared fixtures: a fresh pipeline (database + broker + worker) per test, SQLite or PostgreSQL.

Under pytest-xdist (README test command) every worker gets its own Redis database and PostgreSQL
database names; SQLite databases are copies of one migrated template per worker.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dramatiq
import pytest
from alembic import command
from dramatiq.brokers.stub import StubBroker
from sqlmodel import Session

from config.settings import Settings, get_settings
from pipeline import migrate
from pipeline.broker import build_broker, configure_broker, start_worker
from pipeline.crm import reset_clients
from pipeline.db import get_engine, reset_engine

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
#: Redis databases for pytest-xdist workers gw0, gw1, ...: clear of db 15 (TEST_REDIS_URL's
#: default), 5-8 (tests/reliability, bench/faults.py) and 11-14 (helpers' runs, bench/).
XDIST_REDIS_DBS = (1, 2, 3, 4, 9, 10)


def worker_id() -> str:
    """This process's pytest-xdist worker id (gw0, gw1, ...), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _redis_test_url() -> str:
    """TEST_REDIS_URL (default db 15) alone; under xdist the same server, one db per worker."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    worker = worker_id()
    if worker == "main":
        return url
    index = int(worker.removeprefix("gw"))
    if index >= len(XDIST_REDIS_DBS):
        raise pytest.UsageError(f"at most {len(XDIST_REDIS_DBS)} xdist workers (Redis databases)")
    return f"{url.rsplit('/', 1)[0]}/{XDIST_REDIS_DBS[index]}"


REDIS_TEST_URL = _redis_test_url()


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", PG_ADMIN_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


_pending_drops: list[subprocess.Popen[bytes]] = []


def pytest_sessionfinish() -> None:
    """Wait (a bounded time) for the test databases still being dropped."""
    for drop in _pending_drops:
        try:
            drop.wait(timeout=120)
        except subprocess.TimeoutExpired:
            drop.kill()


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A brand-new PostgreSQL database for one test, dropped afterwards."""
    if shutil.which("psql") is None:
        pytest.fail("psql not found: PostgreSQL client and server are required (see .ci/run)")
    name = f"intake_test_{worker_id()}_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    reset_engine()
    # dropdb() waits for an immediate checkpoint (src/backend/commands/dbcommands.c), which took
    # minutes once while other jobs wrote to the server; names are unique, so no test waits for
    # it: the drops finish in the background and the session waits for them at its end.
    _pending_drops.append(
        subprocess.Popen(  # noqa: S603
            ["psql", PG_ADMIN_URL, "-q", "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    )


@functools.cache
def _sqlite_template() -> Path:
    """One SQLite database migrated to every head, made once per test process."""
    folder = tempfile.mkdtemp(prefix=f"intake-template-{worker_id()}-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "intake.db"
    # No "connection" attribute: migrations/env.py opens its own engine on this URL and disposes
    # it, so the WAL is checkpointed into the file before anyone copies it.
    command.upgrade(migrate.alembic_config(f"sqlite:///{path}"), "heads")
    return path


@dataclass
class PipelineEnv:
    """A migrated database, a broker with a running in-process worker, and helpers."""

    settings: Settings
    broker: dramatiq.Broker
    worker: dramatiq.Worker
    var_dir: Path

    def drain(self, timeout_s: float = 30.0) -> None:
        """Wait until every queued message (not delayed retries) has been processed."""
        if isinstance(self.broker, StubBroker):
            self.broker.join("intake", timeout=int(timeout_s * 1000), fail_fast=False)
        else:
            _join_redis(self.broker, timeout_s)

    def session(self) -> Session:
        """A session on the test database (use as a context manager)."""
        return Session(get_engine(), expire_on_commit=False)


def _join_redis(broker: dramatiq.Broker, timeout_s: float) -> None:
    broker.join("intake", timeout=int(timeout_s * 1000))  # type: ignore[call-arg]


def make_env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str = "",
    redis_url: str = "",
    **env: str,
) -> PipelineEnv:
    """Point settings at a temporary var dir and database, migrate, start a worker."""
    var_dir = tmp_path / "var"
    monkeypatch.setenv("INTAKE_VAR_DIR", str(var_dir))
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("INTAKE_CRM__DATABASE_URL", database_url)
    monkeypatch.setenv("INTAKE_PIPELINE__WORKER_THREADS", "4")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    reset_engine()
    reset_clients()
    settings = get_settings()
    embedded = settings.var_dir / "intake.db"
    if settings.database_url or embedded.exists():
        migrate.upgrade()  # idempotent: a test may reopen the database it filled
    else:  # a copy of the migrated template: ~1 ms instead of 0.2-0.4 s of Alembic per test
        embedded.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_sqlite_template(), embedded)
    broker = configure_broker(settings, build_broker(settings))
    if redis_url:
        broker.flush_all()  # type: ignore[attr-defined]
    worker = start_worker(broker, settings.pipeline.worker_threads)
    return PipelineEnv(settings, broker, worker, var_dir)


def close_env(env: PipelineEnv) -> None:
    """Stop the worker and forget engine, clients and settings."""
    env.worker.stop(timeout=10_000)
    env.broker.close()
    reset_clients()
    reset_engine()
    get_settings.cache_clear()


@pytest.fixture
def pipeline_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[PipelineEnv]:
    """The embedded default: SQLite file, in-process broker and worker, embedded CRM core."""
    env = make_env(monkeypatch, tmp_path)
    yield env
    close_env(env)


@pytest.fixture
def pg_redis_env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pg_database_url: str
) -> Iterator[PipelineEnv]:
    """Production shape: PostgreSQL database and Redis broker (REDIS_TEST_URL), worker here."""
    env = make_env(monkeypatch, tmp_path, database_url=pg_database_url, redis_url=REDIS_TEST_URL)
    yield env
    close_env(env)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--long: run the reliability scenarios at full size (bench/faults.py passes it)."""
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="run reliability/security scenarios at full size (e.g. 100 worker kills)",
    )


def _schedule_rank(item: pytest.Item) -> tuple[bool, float]:
    """Slow tests first, those with the biggest time budget (timeout marker) first among them."""
    budget = item.get_closest_marker("timeout")
    return item.get_closest_marker("slow") is None, -float(budget.args[0] if budget else 0)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under xdist, the longest tests start first, so they overlap the quick ones, not trail.

    The README runs `pytest -n 4 --maxschedchunk 1`: each worker then takes one test at a time
    in this order (pytest-xdist LoadScheduling), i.e. longest-processing-time-first.
    """
    if worker_id() != "main":
        items.sort(key=_schedule_rank)  # stable: the rest keep their file order
