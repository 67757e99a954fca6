"""Database engine and sessions: SQLite by default (WAL, BEGIN IMMEDIATE), PostgreSQL by URL."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from config.settings import get_settings

_lock = threading.Lock()
_engine: Engine | None = None


def make_engine(url: str) -> Engine:
    """An engine tuned for the backend: SQLite gets WAL, a busy timeout and BEGIN IMMEDIATE."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        _tune_sqlite(engine)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _tune_sqlite(engine: Engine) -> None:
    # pysqlite's deferred BEGIN lets two writers both read then deadlock on the upgrade to a
    # write lock (SQLITE_BUSY without waiting); BEGIN IMMEDIATE takes the lock up front so the
    # busy timeout applies. Recipe from the SQLAlchemy SQLite dialect docs ("Serializable
    # isolation / Savepoints / Transactional DDL").
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        # A 64 MiB page cache and memory-mapped reads: duplicate blocking reads many report rows
        # per new report (measured: candidate SQL 2.7 -> 1.4 ms at 300k reports).
        cur.execute("PRAGMA cache_size=-65536")
        cur.execute("PRAGMA mmap_size=268435456")
        cur.close()

    # SQLite's busy handler polls with growing sleeps (up to 100 ms), so threads of one process
    # contending for the write lock spend most of their time asleep (measured: 20 reports/s with
    # 8 worker threads). Threads of this process queue on a Python lock instead, which wakes the
    # next one at once; the lock is taken at BEGIN and given back when the connection returns to
    # the pool (after COMMIT/ROLLBACK). Other processes still meet the busy timeout.
    writer = threading.RLock()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        record = conn.connection._connection_record  # noqa: SLF001
        if not record.info.get("holds_writer"):
            if not writer.acquire(timeout=30):
                raise TimeoutError("SQLite database busy for 30 s in this process")
            record.info["holds_writer"] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record.info.pop("holds_writer", False):
            writer.release()


def insert_for(dialect_name: str) -> Any:
    """The dialect's INSERT construct (both support ON CONFLICT ... DO NOTHING/UPDATE)."""
    return postgresql.insert if dialect_name == "postgresql" else sqlite.insert


def block_lock(session: Session, keys: list[str]) -> None:
    """Serialize transactions that triage reports of one block (PostgreSQL; SQLite already is).

    Two reports of one pothole processed at the same moment would each miss the other (neither
    is committed yet) and both reach the CRM; with transaction-scoped advisory locks on every
    block the report falls in (kelurahan, place, map cells, citizen), the second waits for the
    first and, under READ COMMITTED, then sees it. Taken in one statement and in one order, so
    two reports sharing several blocks cannot deadlock.
    """
    if session.get_bind().dialect.name != "postgresql" or not keys:
        return
    ids = sorted(
        {int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True)
         for k in keys}
    )  # fmt: skip
    session.execute(
        text("SELECT pg_advisory_xact_lock(k) FROM unnest(CAST(:ks AS bigint[])) AS k ORDER BY k"),
        {"ks": ids},
    )


def get_engine() -> Engine:
    """The process-wide engine for the configured database."""
    global _engine
    with _lock:
        if _engine is None:
            _engine = make_engine(get_settings().effective_database_url)
        return _engine


def reset_engine() -> None:
    """Forget the engine (tests, and after fork in worker processes)."""
    global _engine
    with _lock:
        if _engine is not None:
            _engine.dispose()
        _engine = None


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
