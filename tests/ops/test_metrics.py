"""/metrics and /readyz after real pipeline work: what ops see on their dashboards and probes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import update

from connectors.intake import accept, heartbeat
from pipeline.db import session_scope
from pipeline.models import PollerCheckpoint, utcnow
from tests.conftest import PipelineEnv, close_env, make_env
from tests.pipeline.conftest import add_inbox, add_report, message
from web.app import create_app

#: Inside Kelurahan Kebon Sirih, with the kelurahan named (tests/pipeline/test_flow.py).
POTHOLE = (
    "Jalan berlubang besar di Jl. Kebon Sirih Raya RT 02 RW 03 Kelurahan Kebon Sirih, Menteng, "
    "sudah dua minggu belum diperbaiki dan membahayakan pengendara motor"
)


def _scrape(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def _value(samples: dict, name: str, **labels: str) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_metrics_after_a_complaint_and_a_review(pipeline_env: PipelineEnv) -> None:
    accept(message(POTHOLE, channel="import"))
    accept(message("Halo", channel="import"))  # too thin: the admins must look at it
    pipeline_env.drain()
    with session_scope() as session:
        add_inbox(session, message(channel="twilio"), state="failed")
        add_report(session, "needs_review", reasons=["low_location_confidence"],
                   updated_at=utcnow() - timedelta(hours=7))  # fmt: skip
    samples = _scrape(TestClient(create_app(pipeline_env.settings)))

    assert _value(samples, "intake_messages_received_total", channel="import") == 2
    assert _value(samples, "intake_messages_received_total", channel="twilio") == 2
    assert _value(samples, "intake_inbox_messages", channel="twilio", state="failed") == 1
    assert _value(samples, "intake_dead_letters", kind="message") == 1
    assert _value(samples, "intake_review_queue_over_sla") == 1
    assert _value(samples, "intake_review_queue_size") >= 1
    assert _value(samples, "intake_review_queue_oldest_age_seconds") > 6 * 3600
    assert (
        _value(
            samples,
            "intake_reports_waiting",
            state="needs_review",
            reason="low_location_confidence",
        )
        == 1
    )
    assert _value(samples, "intake_crm_pushes", state="done") >= 1
    assert _value(samples, "intake_replies", state="sent") >= 1
    assert _value(samples, "intake_queue_messages", queue="intake") == 0
    assert _value(samples, "intake_backlog_oldest_age_seconds", stage="push_report") == 0
    # the middleware timed every stage of the run in this process
    runs = _value(samples, "intake_actor_runs_total", actor="push_report", outcome="success")
    assert runs >= 1
    assert _value(samples, "intake_stage_seconds_count", actor="process_message") >= 2
    assert _value(samples, "intake_queue_wait_seconds_count", actor="push_report") >= 1


def test_readyz_names_a_stale_poller(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pytest.TempPathFactory
) -> None:
    env = make_env(
        monkeypatch,
        tmp_path,  # type: ignore[arg-type]
        INTAKE_MEDIA_MASSA__FEEDS='["https://www.beritajakarta.id/rss"]',
        INTAKE_OPS__HEARTBEAT_STALE_S='{"media_massa": 600}',
    )
    try:
        client = TestClient(create_app(env.settings))
        first = client.get("/readyz")
        assert first.status_code == 503
        assert first.json()["poller:media_massa"].startswith("stale: no heartbeat yet")
        assert first.json()["database"] == "ok"

        heartbeat("media_massa", lag_seconds=12.0)
        fresh = client.get("/readyz")
        assert fresh.status_code == 200, fresh.json()
        assert fresh.json()["poller:media_massa"].startswith("ok")

        with session_scope() as session:
            session.execute(
                update(PollerCheckpoint).values(heartbeat_at=utcnow() - timedelta(minutes=11))
            )
        stale = client.get("/readyz")
        assert stale.status_code == 503
        assert "limit 600s" in stale.json()["poller:media_massa"]
        samples = _scrape(client)
        assert _value(samples, "intake_poller_heartbeat_age_seconds", channel="media_massa") > 600
        assert _value(samples, "intake_poller_lag_seconds", channel="media_massa") == 12.0
        limit = _value(samples, "intake_poller_stale_after_seconds", channel="media_massa")
        assert limit == 600  # the alert rule compares age with the same limit as /readyz
    finally:
        close_env(env)


def test_a_second_worker_on_a_taken_metrics_port_keeps_working() -> None:
    from prometheus_client import CollectorRegistry  # noqa: PLC0415

    from pipeline.metrics import serve  # noqa: PLC0415

    first = serve(CollectorRegistry(), "127.0.0.1", 0)
    assert first is not None
    # Two `intake worker` lines on one host with the default port: the second one used to die
    # with "Address already in use" and crash-loop; now it runs without its own metrics.
    assert serve(CollectorRegistry(), "127.0.0.1", first) is None
