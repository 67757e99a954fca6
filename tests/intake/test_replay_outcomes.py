"""`intake replay` outcomes of lines that make no report: a chat command, a held message."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from connectors.contract import InboundMessage, Sender
from connectors.intake import accept
from intake import replay
from intake.cli import SAMPLE
from tests.conftest import PipelineEnv

#: A real complaint from the bundled sample (Jl. Kemang Raya, Kel. Bangka), pushed on replay.
COMPLAINT_LINE = json.loads(SAMPLE.read_text(encoding="utf-8").splitlines()[0])
FLOOD_TEXT = "Got mampet lagi di Gg. Mawar RT 02 RW 07 Kel. Rawa Badak Utara, air masuk rumah"


def _replay(env: PipelineEnv, path: Path, lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    replay.run(path, env.settings, out=out, err=err, timeout_s=120)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _replies(env: PipelineEnv) -> dict[str, str]:
    """What the import channel answered, by idempotency key (connectors/file_import)."""
    path = env.var_dir / "replies" / "import.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return {row["idempotency_key"]: row["text"] for row in rows}


def test_a_status_command_is_answered_and_a_held_message_is_held(
    pipeline_env: PipelineEnv, tmp_path: Path
) -> None:
    (pushed,) = _replay(pipeline_env, tmp_path / "complaint.jsonl", [COMPLAINT_LINE])
    assert pushed["outcome"] == "pushed" and pushed["tracking_number"]
    number = pushed["tracking_number"]
    # The per-sender rate limit held this one when it first came in (connectors/abuse.py).
    flood = InboundMessage(
        channel="import",
        external_id="flood-031",
        sender=Sender(handle="warga-031"),
        text=FLOOD_TEXT,
    )
    accept(flood, hold_reason="rate_limited")

    lines = _replay(
        pipeline_env,
        tmp_path / "chat.jsonl",
        [
            {
                "external_id": "chat-1",
                "sender": {"handle": "warga-001"},
                "text": f"status {number}",
            },
            {"external_id": "chat-2", "sender": {"handle": "warga-002"}, "text": "/start"},
            {"external_id": "flood-031", "sender": {"handle": "warga-031"}, "text": FLOOD_TEXT},
        ],
    )

    assert [(line["external_id"], line["outcome"]) for line in lines] == [
        ("chat-1", "answered"),
        ("chat-2", "answered"),
        ("flood-031", "held"),
    ]
    assert all(line["reference"] is None and line["tracking_number"] is None for line in lines)
    answers = [text for key, text in _replies(pipeline_env).items() if key.startswith("inbox:")]
    assert any(text.startswith(f"Laporan {number}: status ") for text in answers)
    assert any(text.startswith("Selamat datang") for text in answers)


def test_an_answer_that_could_not_be_sent_is_a_failure() -> None:
    answered = {"inbox_state": "processed", "report": None, "replies_due": False}
    assert replay.outcome_of(answered) == "answered"
    assert replay.outcome_of(answered | {"reply_failed": True}) == "failed"
    assert replay.outcome_of({"inbox_state": "malformed", "report": None}) == "failed"
    assert replay.outcome_of({"inbox_state": "processed", "report": {"state": "dead"}}) == "failed"
