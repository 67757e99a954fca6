"""`intake dead list/retry/drop` from a shell, on the embedded database."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlmodel import select

from pipeline.db import session_scope
from pipeline.models import AuditAction, CRMPush, Report
from tests.conftest import close_env, make_env
from tests.ops.procs import run_intake
from tests.pipeline.conftest import add_inbox, add_report, message

pytestmark = pytest.mark.slow  # real `intake` processes: scheduled first under xdist


def _intake(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_intake(tmp_path, "dead", *args)


def test_list_retry_twice_and_drop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = make_env(monkeypatch, tmp_path)
    try:
        with session_scope() as session:
            dead = add_report(session, "dead", channel="import", reasons=["crm_rejected"])
            session.add(CRMPush(report_id=dead.id or 0, state="dead", attempts=1,
                                idempotency_key=f"jakarta-intake:{dead.reference}",
                                last_error="CRM answered 422: kategori tidak dikenal"))  # fmt: skip
            bad = add_inbox(session, message(channel="twilio"), state="malformed")
            bad.error = "no Body and no MediaUrl0"
            dead_id, bad_id, reference = dead.id, bad.id, dead.reference
    finally:
        close_env(env)

    listed = _intake(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert "2 dead letter(s)" in listed.stdout
    assert reference in listed.stdout and "kategori tidak dikenal" in listed.stdout
    assert "whatsapp:+62" not in listed.stdout

    retried = _intake(tmp_path, "retry", "push", str(dead_id), "--actor", "ops:rina")
    assert retried.returncode == 0, retried.stdout + retried.stderr
    assert f"push {dead_id}: retrying" in retried.stdout
    again = _intake(tmp_path, "retry", "push", str(dead_id))
    assert f"push {dead_id}: not dead (left alone)" in again.stdout

    refused = _intake(tmp_path, "retry", "malformed", str(bad_id))
    assert refused.returncode == 2 and "parser fix" in refused.stdout
    dropped = _intake(
        tmp_path, "drop", "malformed", str(bad_id), "--note", "spam", "--actor", "ops:rina"
    )
    assert f"malformed {bad_id}: dropped" in dropped.stdout

    env = make_env(monkeypatch, tmp_path)
    try:
        with session_scope() as session:
            report = session.get(Report, dead_id)
            actions = session.exec(select(AuditAction.action, AuditAction.actor)).all()
    finally:
        close_env(env)
    assert report is not None and report.state == "pushed" and report.tracking_number
    assert sorted(actions) == [("dead_drop", "ops:rina"), ("dead_retry", "ops:rina")]
    assert "0 dead letter(s)" in _intake(tmp_path, "list").stdout
