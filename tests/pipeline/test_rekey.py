"""`intake db rekey`: reports stored before their keys (or with stale ones) meet new reports."""

from __future__ import annotations

from sqlmodel import select
from typer.testing import CliRunner

from intake.cli import app
from pipeline import blocking
from pipeline.dedupe import candidates
from pipeline.models import Report
from pipeline.rekey import rekey
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_report

STALE = {"problem": None, "street_key": "", "place_key": "", "geo_cell": None}


def test_rekey_gives_old_reports_their_keys_and_they_are_found_again(
    pipeline_env: PipelineEnv,
) -> None:
    with pipeline_env.session() as session:
        # Stored before migration 0005, in another kelurahan of the street: only the place
        # blocks can find it, and only once it has a place key.
        old = add_report(
            session,
            "pushed",
            kelurahan_code="31.71.06.1004",
            lat=None,
            lon=None,
            conversation_id="another-citizen",
        )
        closed = add_report(session, "rejected", **STALE)
        for key, value in STALE.items():
            setattr(old, key, value)
        session.commit()
        old_id, closed_id = old.id, closed.id
        new = add_report(session, "new", lat=None, lon=None)
        assert [c.report_id for c in candidates(session, new)] == []
        session.rollback()
    assert rekey(batch=1) == 1  # open reports only, one per transaction
    with pipeline_env.session() as session:
        stored = session.get(Report, old_id)
        assert stored is not None
        assert {k: getattr(stored, k) for k in STALE} == blocking.report_keys(stored)
        new = add_report(session, "new", lat=None, lon=None)
        assert [c.report_id for c in candidates(session, new)] == [old_id]
        assert session.get(Report, closed_id).problem is None  # type: ignore[union-attr]


def test_rekey_command_counts_every_report_with_all(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        for state in ("pushed", "rejected", "duplicate"):
            add_report(session, state, **STALE)
        session.commit()
    result = CliRunner().invoke(app, ["db", "rekey", "--all"])
    assert result.exit_code == 0, result.output
    assert "3 reports rekeyed" in result.output
    with pipeline_env.session() as session:
        assert all(r.problem is not None for r in session.exec(select(Report)).all())
