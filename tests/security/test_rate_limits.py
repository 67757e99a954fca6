"""Per-sender rate limits on the chat webhooks: a flooding sender is held, never dropped."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.abuse import DEFAULT_CAPACITY
from pipeline.models import InboxMessage, OutboxReply
from tests.reliability.chat_web import served_chat_web, twilio_form
from tests.reliability.settle import rows, settle


def test_flooding_sender_is_held_and_told_once_while_others_flow(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    flood = int(DEFAULT_CAPACITY) + 6
    with served_chat_web(monkeypatch, tmp_path) as web:
        for n in range(flood):
            form = twilio_form(n, body=f"Laporan ke-{n}: lampu jalan mati di Jl. Pemuda")
            form["From"] = "+6281299990000"  # one sender, many messages in a second
            assert web.post_twilio(form) == 200
        assert web.post_twilio(twilio_form(500)) == 200  # someone else, at the same time
        settle(web.env)
        inbox = rows(web.env, InboxMessage)
        outbox = rows(web.env, OutboxReply)
    flooder = [r for r in inbox if r.sender_handle.endswith("6281299990000")]
    assert len(flooder) == flood  # every message stored: nothing a citizen sent is lost
    held = [r for r in flooder if r.state == "held"]
    assert len(held) == flood - int(DEFAULT_CAPACITY)
    assert all(r.error == "rate_limited" for r in held)
    assert sum(o.kind == "rate_limited" for o in outbox) == 1  # one polite notice, not six
    other = [r for r in inbox if not r.sender_handle.endswith("6281299990000")]
    assert [r.state for r in other] == ["processed"]
