"""Migration 0007: the sweeper's stuck-row queries walk (state, updated_at); models match migrations."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, inspect
from sqlmodel import SQLModel

import pipeline.models  # noqa: F401  (registers the tables, as migrations/env.py does)
import web.review.models  # noqa: F401
from pipeline import migrate
from pipeline.db import get_engine, make_engine, session_scope
from pipeline.sweeper import find_stuck
from tests.conftest import PipelineEnv

NEW_INDEXES = {
    "report": ("ix_report_state_updated", ["state", "updated_at"]),
    "inbox_message": ("ix_inbox_state_updated", ["state", "updated_at"]),
}


def _sweeper_selects(engine: Engine) -> list[tuple[str, Any]]:
    """The SELECTs find_stuck sends, with their parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cur: Any, statement: str, params: Any, _ctx: Any, _many: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    event.listen(engine, "before_cursor_execute", record)
    try:
        with session_scope() as session:
            find_stuck(session, timedelta(seconds=120))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_sqlite_sweeper_reads_stuck_rows_through_the_new_indexes(
    pipeline_env: PipelineEnv,
) -> None:
    engine = get_engine()
    plans: dict[str, list[str]] = {}
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for statement, params in _sweeper_selects(engine):
            cursor.execute("EXPLAIN QUERY PLAN " + statement, params)
            table = re.search(r"\bFROM\s+(\w+)", statement).group(1)  # type: ignore[union-attr]
            plan = " | ".join(str(row[-1]) for row in cursor.fetchall())
            plans.setdefault(table, []).append(plan)
    finally:
        raw.close()
    # Before 0007: inbox_message was scanned through ix_inbox_message_updated_at (every message
    # older than the cutoff) and report rows of the state were sorted in a temp B-tree.
    assert len(plans["report"]) == 2  # triage_report and push_report
    for plan in plans["inbox_message"]:
        assert "ix_inbox_state_updated (state=? AND updated_at<?)" in plan, plan
    for plan in plans["report"]:
        assert "ix_report_state_updated (state=? AND updated_at<?)" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def _assert_models_match(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
            indexes = {t: inspect(conn).get_indexes(t) for t in NEW_INDEXES}
    finally:
        engine.dispose()
    assert diffs == []
    for table, (name, columns) in NEW_INDEXES.items():
        assert {"name": name, "column_names": columns} in [
            {"name": i["name"], "column_names": i["column_names"]} for i in indexes[table]
        ]


def test_sqlite_migrations_match_the_models_and_0007_downgrades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    command.upgrade(migrate.alembic_config(url), "heads")
    _assert_models_match(url)
    command.downgrade(migrate.alembic_config(url), "0006_place_any")
    engine = make_engine(url)
    try:
        names = {i["name"] for i in inspect(engine).get_indexes("report")}
    finally:
        engine.dispose()
    assert "ix_report_state_updated" not in names and "ix_report_place_any" in names
    command.upgrade(migrate.alembic_config(url), "heads")
    _assert_models_match(url)


@pytest.mark.postgres
def test_postgres_migrations_match_the_models(pg_database_url: str) -> None:
    command.upgrade(migrate.alembic_config(pg_database_url), "heads")
    _assert_models_match(pg_database_url)
