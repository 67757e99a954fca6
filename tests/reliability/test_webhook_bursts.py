"""Webhook redelivery bursts: every payload three times, shuffled, concurrently, all channels.

Providers redeliver when they miss our answer (Meta for hours, Twilio on timeout, Telegram
until it gets a 2xx), and a burst may carry the copies in any order on parallel connections.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from intake.synth import generate
from pipeline.models import InboxMessage, OutboxReply, Report
from tests.reliability.chat_web import (
    CHANNELS,
    ChatWeb,
    meta_body,
    served_chat_web,
    telegram_update,
    twilio_form,
)
from tests.reliability.report import Figures, record
from tests.reliability.settle import rows, settle

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
COPIES = 3


def _burst(web: ChatWeb, per_channel: int, rng: random.Random) -> list[int]:
    """Send every payload COPIES times in a shuffled order over 16 parallel connections."""
    jobs: list[tuple[Callable[[object], int], object]] = []
    texts = [line["text"] for line in generate(per_channel, seed=5)]  # complete complaints
    for n, text in enumerate(texts):
        jobs += [(web.post_twilio, twilio_form(n, text))] * COPIES  # type: ignore[list-item]
        jobs += [(web.post_meta, meta_body(n, text))] * COPIES  # type: ignore[list-item]
        jobs += [(web.post_telegram, telegram_update(n, f"/lapor {text}"))] * COPIES  # type: ignore[list-item]
    rng.shuffle(jobs)
    with ThreadPoolExecutor(max_workers=16) as pool:
        return list(pool.map(lambda job: job[0](job[1]), jobs))


def test_redelivery_burst_on_every_chat_channel(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, long_run: bool
) -> None:
    per_channel = 60 if long_run else 10
    with served_chat_web(monkeypatch, tmp_path) as web:
        started = time.monotonic()
        statuses = _burst(web, per_channel, random.Random(3))
        settle(web.env)
        recover = time.monotonic() - started
        inbox, reports, outbox = (rows(web.env, m) for m in (InboxMessage, Report, OutboxReply))
        provider_sends = len(web.twilio.sent) + len(web.graph.messages) + len(web.telegram.sent)
    per_channel_inbox = Counter(row.channel for row in inbox)
    per_message = Counter((row.channel, row.external_id) for row in inbox)
    per_reply = Counter((row.report_id or row.inbox_message_id, row.kind) for row in outbox)
    sent = sum(row.state == "sent" for row in outbox)
    figures = record(
        Figures(
            scenario="webhook redelivery x3 burst",
            messages_sent=per_channel * len(CHANNELS),
            reports_created=len(reports),
            crm_tickets=sum(r.state == "pushed" for r in reports),
            replies_sent=provider_sends,
            lost=sum(max(0, per_channel - per_channel_inbox[c]) for c in CHANNELS)
            + sum(row.state != "sent" for row in outbox),
            duplicated=sum(n - 1 for n in per_message.values())
            + sum(n - 1 for n in per_reply.values())
            + max(0, provider_sends - sent),
            recover_s=round(recover, 2),
            faults=len(statuses) - per_channel * len(CHANNELS),
            notes={"http": dict(Counter(statuses))},
        )
    )
    assert set(statuses) == {200}, Counter(statuses)
    assert figures.clean, figures
    assert {c: per_channel_inbox[c] for c in CHANNELS} == dict.fromkeys(CHANNELS, per_channel)
    assert all(row.state == "processed" for row in inbox)
    assert len(reports) == len(inbox)  # one report per message, none per copy
    assert provider_sends == sent > 0
