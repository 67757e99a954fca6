"""One grep follows a message: every actor run of a full pipeline run logs its correlation id."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.ops.procs import ROOT, intake_env, run_intake

SAMPLE = ROOT / "intake" / "samples" / "sample.jsonl"


def _replay_one(tmp_path: Path) -> tuple[list[dict[str, object]], Path]:
    line = SAMPLE.read_text(encoding="utf-8").splitlines()[0]  # a pothole in Kel. Bangka
    source = tmp_path / "one.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    env = intake_env(tmp_path, INTAKE_LOG_LEVEL="INFO")
    done = run_intake(tmp_path, "replay", str(source), "--timeout", "120", check=True, env=env)
    events = []
    for raw in done.stderr.splitlines():
        if raw.startswith("{"):
            events.append(json.loads(raw))
    return events, tmp_path / "var" / "intake.db"


def test_correlation_id_follows_the_message_to_the_crm_ticket(tmp_path: Path) -> None:
    events, db = _replay_one(tmp_path)
    with sqlite3.connect(db) as conn:
        [(cid, report_state, tracking)] = conn.execute(
            "SELECT i.correlation_id, r.state, r.tracking_number FROM inbox_message i "
            "JOIN report r ON r.inbox_message_id = i.id"
        ).fetchall()
    assert report_state == "pushed" and tracking
    followed = [e for e in events if e.get("correlation_id") == cid]
    names = {e["event"] for e in followed}
    # inbox -> report -> triage -> CRM ticket -> confirmation reply, all under one id
    assert {"message_processed", "crm_pushed", "reply_finished"} <= names, names
    assert all(len(str(e["correlation_id"])) == 32 for e in followed)
    # no other message's id leaks into these runs
    assert {e.get("correlation_id") for e in events if "correlation_id" in e} == {cid}
    text = json.dumps(events)
    assert "Warga Satu" not in text and "warga-001" not in text
