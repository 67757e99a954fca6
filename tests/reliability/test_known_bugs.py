"""Bugs the reliability suite found, kept as regression tests now that they are fixed."""

from __future__ import annotations

import json

from intake.replay import parse_line


def test_replay_line_without_received_at_is_a_message() -> None:
    """A line without received_at is stamped with the time of import, not skipped."""
    line = {"external_id": "tanpa-waktu-1", "text": "Lampu PJU mati di Jl. Pemuda Rawamangun"}
    msg = parse_line(json.dumps(line))
    assert msg.external_id == "tanpa-waktu-1" and msg.received_at is not None
