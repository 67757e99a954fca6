"""The report state machine: allowed moves apply, others raise, races have one winner."""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import product

import pytest
import structlog
from sqlmodel import Session
from structlog.testing import capture_logs

from pipeline import states
from pipeline.db import get_engine
from pipeline.models import Report, utcnow
from pipeline.states import (
    ALLOWED,
    TERMINAL,
    IllegalTransition,
    ReportState,
    check_allowed,
    transition,
)
from tests.conftest import PipelineEnv
from tests.pipeline.conftest import add_report

S = ReportState
ALLOWED_MOVES = [(s, t) for s, targets in ALLOWED.items() for t in sorted(targets)]
FORBIDDEN_MOVES = [(s, t) for s, t in product(S, S) if t not in ALLOWED[s]]


def test_every_state_has_rules_and_terminal_states_only_reopen_by_admin() -> None:
    assert set(ALLOWED) == set(S)
    assert ALLOWED[S.PUSHED] == frozenset()
    for state in TERMINAL - {S.PUSHED}:
        assert ALLOWED[state] == {S.NEEDS_REVIEW}


@pytest.mark.parametrize(("source", "target"), FORBIDDEN_MOVES, ids=str)
def test_forbidden_move_raises(source: ReportState, target: ReportState) -> None:
    with pytest.raises(IllegalTransition, match=f"{source} -> {target}"):
        check_allowed(source, target)


@pytest.mark.parametrize(("source", "target"), ALLOWED_MOVES, ids=str)
def test_allowed_move_applies_with_field_updates(
    pipeline_env: PipelineEnv, source: ReportState, target: ReportState
) -> None:
    long_ago = utcnow() - timedelta(hours=3)
    with pipeline_env.session() as session:
        report = add_report(session, source.value, updated_at=long_ago)
        session.commit()
        moved = transition(session, report.id or 0, source, target, reasons=["checked"])
        session.commit()
    with pipeline_env.session() as session:
        stored = session.get(Report, report.id)
    assert moved is True
    assert stored is not None
    assert stored.state == target.value
    assert stored.reasons == ["checked"]
    assert stored.state_changed_at > long_ago + timedelta(hours=2)


def test_forbidden_move_does_not_touch_the_row(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        report = add_report(session, S.PUSHED.value, tracking_number="JK7M-29QX-4")
        session.commit()
        with pytest.raises(IllegalTransition):
            transition(session, report.id or 0, S.PUSHED, S.READY)
        session.commit()
        assert session.get(Report, report.id, populate_existing=True).state == "pushed"  # type: ignore[union-attr]


def test_guarded_move_from_wrong_state_is_refused_and_logged(
    pipeline_env: PipelineEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pipeline_env.session() as session:
        report = add_report(session, S.NEEDS_REVIEW.value)
        session.commit()
        with capture_logs() as logs:
            # A logger cached (cache_logger_on_first_use) before another test configured
            # logging again keeps the old processor list, which capture_logs does not touch:
            # order-dependent under xdist. A fresh one binds inside the capture.
            monkeypatch.setattr(states, "log", structlog.get_logger(states.__name__))
            moved = transition(session, report.id or 0, S.NEW, S.READY)
        session.commit()
        current = session.get(Report, report.id, populate_existing=True)
    assert moved is False
    assert current is not None and current.state == "needs_review"
    refused = [e for e in logs if e["event"] == "transition_refused"]
    assert refused == [
        {
            "event": "transition_refused",
            "log_level": "info",
            "report_id": report.id,
            "expected": "new",
            "target": "ready",
            "actual": "needs_review",
        }
    ]


def test_redelivered_move_is_not_applied_twice(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session:
        report = add_report(session, S.NEW.value)
        session.commit()
        first = transition(session, report.id or 0, S.NEW, S.NEEDS_INFO, info_requests=1)
        session.commit()
        second = transition(session, report.id or 0, S.NEW, S.NEEDS_INFO, info_requests=2)
        session.commit()
        stored = session.get(Report, report.id, populate_existing=True)
    assert (first, second) == (True, False)
    assert stored is not None and stored.info_requests == 1


def test_unknown_report_is_refused(pipeline_env: PipelineEnv) -> None:
    with pipeline_env.session() as session, capture_logs() as logs:
        assert transition(session, 987_654, S.NEW, S.READY) is False
    assert logs[-1]["actual"] is None


def _race(report_ids: list[int], contenders: int) -> dict[int, list[bool]]:
    """`contenders` threads, each in its own session, move every report new -> ready at once."""
    results: dict[int, list[bool]] = {rid: [] for rid in report_ids}
    lock = threading.Lock()
    errors: list[BaseException] = []

    def contender(barrier: threading.Barrier, rid: int) -> None:
        try:
            with Session(get_engine()) as session:
                barrier.wait(timeout=10)
                moved = transition(session, rid, S.NEW, S.READY)
                session.commit()
            with lock:
                results[rid].append(moved)
        except BaseException as exc:  # noqa: BLE001 - surfaced below with the thread's error
            errors.append(exc)

    for rid in report_ids:
        barrier = threading.Barrier(contenders)
        threads = [
            threading.Thread(target=contender, args=(barrier, rid)) for _ in range(contenders)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert errors == []
    return results


def _assert_one_winner(env: PipelineEnv) -> None:
    with env.session() as session:
        ids = [add_report(session, S.NEW.value).id or 0 for _ in range(10)]
        session.commit()
    results = _race(ids, contenders=6)
    assert all(sorted(outcomes) == [False] * 5 + [True] for outcomes in results.values())
    with env.session() as session:
        assert {session.get(Report, rid).state for rid in ids} == {"ready"}  # type: ignore[union-attr]


def test_concurrent_sessions_race_one_winner_sqlite(pipeline_env: PipelineEnv) -> None:
    _assert_one_winner(pipeline_env)


@pytest.mark.postgres
def test_concurrent_sessions_race_one_winner_postgresql(pg_pipeline_env: PipelineEnv) -> None:
    assert get_engine().dialect.name == "postgresql"
    _assert_one_winner(pg_pipeline_env)
