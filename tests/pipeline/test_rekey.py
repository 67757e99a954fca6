"""`intake db rekey`: reports stored before their keys (or with stale ones) meet new reports."""

from __future__ import annotations

from sqlmodel import select
from structlog.testing import capture_logs
from typer.testing import CliRunner

from intake.cli import app
from intake.runtime import check_dedupe_keys
from pipeline import blocking, keys_version
from pipeline.dedupe import candidates
from pipeline.models import Report
from pipeline.rekey import rekey, stale_open_count
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


def test_only_reports_keyed_by_other_word_lists_are_rekeyed(pipeline_env: PipelineEnv) -> None:
    """After an edit of complaint_words.txt, the stored keys of open reports are stale."""
    with pipeline_env.session() as session:
        current = add_report(session, "pushed")
        stale = add_report(session, "needs_review", keys_version="0123456789abcdef")
        add_report(session, "rejected", keys_version="0123456789abcdef")  # closed: left alone
        stale.problem = "kata lama"  # what older word lists made of it
        session.commit()
        assert current.keys_version == keys_version.current()
        stale_id = stale.id
    assert stale_open_count() == 1
    assert rekey() == 1
    with pipeline_env.session() as session:
        stored = session.get(Report, stale_id)
        assert stored is not None and stored.keys_version == keys_version.current()
        assert stored.problem == blocking.report_keys(stored)["problem"] != "kata lama"
    assert stale_open_count() == 0
    assert rekey() == 0  # nothing left to do
    assert rekey(stale_only=False) == 2  # --force: every open report


def test_the_embedded_mode_rekeys_stale_reports_at_start(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        add_report(session, "pushed", keys_version="")  # stored before migration 0008
        session.commit()
    with capture_logs() as logs:
        assert check_dedupe_keys(pipeline_env.settings) == 1
    assert stale_open_count() == 0
    assert [e["event"] for e in logs if e["event"].startswith("dedupe_keys")] == [
        "dedupe_keys_rekeyed"
    ]


def test_a_deployed_worker_warns_about_stale_keys_and_leaves_them(
    pipeline_env: PipelineEnv,
) -> None:
    with pipeline_env.session() as session:
        add_report(session, "pushed", keys_version="")
        session.commit()
    settings = pipeline_env.settings.model_copy(update={"database_url": "postgresql://ops/db"})
    with capture_logs() as logs:
        assert check_dedupe_keys(settings) == 1
    assert stale_open_count() == 1  # an operator runs `intake db rekey`
    warning = next(e for e in logs if e["event"] == "dedupe_keys_stale")
    assert warning["open_reports"] == 1 and warning["fix"] == "intake db rekey"
