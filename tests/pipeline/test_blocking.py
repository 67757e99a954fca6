"""blocked_rows on the DBAPI cursor: the rows SQLAlchemy's own execution returns, the same rows on
SQLite and PostgreSQL, and the edges of the dedupe windows where the settings put them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import bindparam, exc, text
from sqlmodel import Session

from config.settings import TriageSettings
from pipeline import blocking, migrate
from pipeline.db import make_engine
from pipeline.models import Report
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_report

SETTINGS = TriageSettings()
#: A fixed clock with microseconds: the window edges are compared to the microsecond.
NOW = datetime(2026, 11, 20, 9, 30, 15, 250_001, tzinfo=UTC)
SINCE = NOW - timedelta(days=SETTINGS.window_days)
OWN_SINCE = NOW - timedelta(hours=SETTINGS.same_citizen_window_h)
TICK = timedelta(microseconds=1)
ASKER = "whatsapp:warga-penanya"  # the conversation of the new report
#: What a new pothole report in Kebon Sirih is compared with: (reference, own).
EXPECTED = {
    ("edge-in", 0),  # exactly window_days old: still a candidate
    ("edge-in-1us", 0),
    ("waiting-older", 0),  # still `new`, but stored before the new report
    ("flood", 0),  # a related category (a flooded road is often a pothole report)
    ("next-door", 0),  # the same street in the next kelurahan, no pin
    ("pin-only", 0),  # no kelurahan read, a pin 15 m away
    ("own-edge", 1),  # the citizen's own, exactly same_citizen_window_h old
    ("own-old", 0),  # the citizen's own, older: found by its kelurahan only
}


def _scene(session: Session) -> Report:
    """Open and closed reports around one new pothole report; returns the new report."""

    def add(reference: str, state: str = "pushed", conversation: str = "", **values: Any) -> Any:
        values.setdefault("created_at", NOW - timedelta(days=1))
        conversation = conversation or f"whatsapp:warga-{reference}"
        return add_report(
            session, state, reference=reference, conversation_id=conversation, **values
        )

    add("edge-in", created_at=SINCE)
    add("edge-in-1us", created_at=SINCE + TICK)
    add("edge-out", created_at=SINCE - TICK)  # one microsecond too old
    add("closed", state="rejected")
    add("selesai", crm_status="Selesai")  # the CRM closed it
    add("waiting-older", state="new")
    add("flood", category="banjir")
    add("next-door", kelurahan_code="31.71.06.1001", lat=None, lon=None)
    add("pin-only", kelurahan_code="", kecamatan_code="", street="", lat=-6.1863, lon=106.8297)
    add("own-edge", conversation=ASKER, created_at=OWN_SINCE)
    add("own-old", conversation=ASKER, created_at=OWN_SINCE - TICK)
    report = add("query", state="new", conversation=ASKER, created_at=NOW)
    add("waiting-newer", state="new")  # triaged after the new report: not its original
    return report


def _through_sqlalchemy(session: Session, report: Report) -> list[dict[str, Any]]:
    """The same blocks executed by SQLAlchemy itself (Connection.execute, typed timestamps)."""
    parts, params = blocking.blocks(report, SETTINGS)
    stamp = Report.__table__.c.created_at.type  # type: ignore[attr-defined]
    statement = text(" UNION ALL ".join(parts)).bindparams(
        bindparam("since", type_=stamp), bindparam("own_since", type_=stamp)
    )
    rows: dict[int, dict[str, Any]] = {}
    for row in session.connection().execute(statement, params):  # unused names are ignored
        if row.id not in rows or row.own:
            rows[row.id] = dict(row._mapping)
    return list(rows.values())


def _by_reference(rows: list[Any]) -> dict[str, dict[str, Any]]:
    """Rows as {reference: columns without the database's own id}."""
    found = [r if isinstance(r, dict) else r._asdict() for r in rows]
    return {r["reference"]: {k: v for k, v in r.items() if k != "id"} for r in found}


def _blocked(session: Session) -> dict[str, dict[str, Any]]:
    """Store the scene, then block its new report: the rows by reference."""
    report = _scene(session)
    session.commit()
    rows = blocking.blocked_rows(session, report, SETTINGS)
    assert _by_reference(rows) == _by_reference(_through_sqlalchemy(session, report))
    return _by_reference(rows)


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocking, "utcnow", lambda: NOW)


def test_rows_match_sqlalchemy_and_the_window_edges_on_sqlite(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        found = _blocked(session)
    assert {(ref, row["own"]) for ref, row in found.items()} == EXPECTED
    assert found["next-door"]["kelurahan_code"] == "31.71.06.1001"
    assert found["pin-only"]["lat"] == pytest.approx(-6.1863)


@pytest.mark.postgres
def test_postgresql_returns_the_rows_sqlite_does(
    pg_pipeline_env: PipelineEnv, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'same-scene.db'}"
    command.upgrade(migrate.alembic_config(url), "heads")
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            on_sqlite = _blocked(session)
    finally:
        engine.dispose()
    with pg_pipeline_env.session() as session:
        on_postgresql = _blocked(session)
    assert {(ref, row["own"]) for ref, row in on_postgresql.items()} == EXPECTED
    assert on_postgresql == on_sqlite


def test_a_database_error_is_raised_as_sqlalchemy_raises_it(tmp_path: Path) -> None:
    """Callers catch sqlalchemy.exc errors (retries, dead letters), not the driver's own."""
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no tables: never migrated
    report = Report(id=7, reference="IN-1", kelurahan_code="31.71.06.1005", category="sampah")
    try:
        with Session(engine) as session, pytest.raises(exc.OperationalError, match="report"):
            blocking.blocked_rows(session, report, SETTINGS)
    finally:
        engine.dispose()


@pytest.mark.parametrize("analyzed", [False, True], ids=["no-statistics", "analyzed"])
def test_every_block_walks_an_index_in_order(pipeline_env: PipelineEnv, analyzed: bool) -> None:
    """No block sorts its rows (a sort reads the whole kelurahan or cell before LIMIT), with or
    without sqlite_stat1: an embedded database is never ANALYZEd, and a covering index must
    not tempt the planner away from the index that is already in recency order."""
    with pipeline_env.session() as session:
        new = _scene(session)
        if analyzed:
            session.connection().exec_driver_sql("ANALYZE")
        parts, params = blocking.blocks(new, SETTINGS)
        assert {p.rsplit(" AS ", 1)[1] for p in parts} >= {"kc", "ko", "ku", "pl", "pa", "g0"}
        for part in parts:
            name = part.rsplit(" AS ", 1)[1]
            used = {k: v for k, v in params.items() if f":{k}" in part}
            plan = session.connection().execute(text("EXPLAIN QUERY PLAN " + part), used).all()
            details = " | ".join(row[-1] for row in plan)
            assert "TEMP B-TREE" not in details, (name, details)
            assert "USING" in details and "INDEX" in details, (name, details)
            if name.startswith(("kc", "kr", "ko", "ku")):
                assert "COVERING INDEX" in details, (name, details)
