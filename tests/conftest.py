"""Shared fixtures: a fresh pipeline (database + broker + worker) per test, SQLite or PostgreSQL."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlmodel import Session

from config.settings import Settings, get_settings
from pipeline import migrate
from pipeline.broker import build_broker, configure_broker, start_worker
from pipeline.crm import reset_clients
from pipeline.db import get_engine, reset_engine

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_TEST_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", PG_ADMIN_URL, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
        check=True,
        capture_output=True,
    )


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A brand-new PostgreSQL database for one test, dropped afterwards."""
    if shutil.which("psql") is None:
        pytest.fail("psql not found: PostgreSQL client and server are required (see .ci/run)")
    name = f"intake_test_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    reset_engine()
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


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
    migrate.upgrade()
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
    """Production shape: PostgreSQL database and Redis broker (db 15), worker in this process."""
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
