"""Duplicate candidates: blocked by kelurahan, category, time and open state; scored by text and distance."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import select

from pipeline import dedupe, stages
from pipeline.dedupe import candidates, distance_m, score
from pipeline.models import Report, utcnow
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import COMPLAINT, add_report


def test_distance_between_two_jakarta_landmarks() -> None:
    monas, bundaran_hi = (-6.1754, 106.8272), (-6.1950, 106.8230)
    assert distance_m(*monas, *bundaran_hi) == pytest.approx(2_225, rel=0.01)
    assert distance_m(*monas, *monas) == 0


@pytest.mark.parametrize(
    ("text", "dist", "combined"),
    [
        (0.8, None, 0.8),
        (0.8, 40.0, pytest.approx(0.9)),
        (0.8, 500.0, 0.8),
        (0.8, 1_500.0, 0.4),
        (0.95, 10.0, 1.0),
    ],
)
def test_score_weighs_distance(text: float, dist: float | None, combined: float) -> None:
    assert score(text, dist) == combined


def test_candidates_are_blocked_and_ranked(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        new = add_report(session, "new")
        same = add_report(session, "pushed", tracking_number="JK7M-29QX-4")
        reworded = add_report(
            session, "needs_review", description="Ada lubang di Jl. Kebon Sirih dekat sekolah"
        )
        far = add_report(session, "ready", lat=-6.1950, lon=106.8230)
        add_report(session, "rejected")  # closed: cannot absorb a duplicate
        add_report(session, "pushed", category="banjir")  # another category
        add_report(session, "pushed", kelurahan_code="31.71.06.1001")  # another kelurahan
        add_report(session, "pushed", created_at=utcnow() - timedelta(days=15))  # too old
        session.commit()
        found = candidates(session, new)
    assert [c.report_id for c in found][:1] == [same.id]
    assert {c.report_id for c in found} == {same.id, reworded.id, far.id}
    best = found[0]
    assert (best.tracking_number, best.text_score, best.score) == ("JK7M-29QX-4", 1.0, 1.0)
    assert best.distance_m == 0
    by_id = {c.report_id: c for c in found}
    assert by_id[far.id].score == pytest.approx(0.5)  # same words, 2 km away
    assert by_id[reworded.id].score < 0.75


def test_report_without_kelurahan_has_no_candidates(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        add_report(session, "pushed")
        lost = add_report(session, "new", kelurahan_code="", description=COMPLAINT)
        session.commit()
        assert candidates(session, lost) == []


def test_waiting_report_counts_only_for_newer_reports(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        older = add_report(session, "new")
        newer = add_report(session, "new")
        session.commit()
        assert [c.report_id for c in candidates(session, older)] == []
        assert [c.report_id for c in candidates(session, newer)] == [older.id]


@pytest.mark.postgres
def test_burst_triaged_at_once_keeps_one_original(
    pg_pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two citizens report one pothole at the same second; two workers triage them together."""
    with pg_pipeline_env.session() as session:
        first, second = add_report(session, "new"), add_report(session, "new")
        session.commit()
    both_read = threading.Barrier(2)
    real = dedupe.candidates

    def read_then_wait(session: Any, report: Any) -> list[dedupe.Candidate]:
        found = real(session, report)
        both_read.wait(timeout=10)  # neither decision is written before both have looked
        return found

    monkeypatch.setattr(dedupe, "candidates", read_then_wait)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(stages.triage_report, [first.id, second.id]))
    with pg_pipeline_env.session() as session:
        states = {r.id: (r.state, r.duplicate_of) for r in session.exec(select(Report)).all()}
    assert states == {first.id: ("ready", None), second.id: ("duplicate", first.id)}
