"""In-process scenarios: feed synthetic complaints, sweep until settled, count what came out."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import select

from connectors.contract import InboundMessage
from intake.replay import parse_line
from intake.synth import generate
from pipeline import sweeper
from pipeline.models import InboxMessage, OutboxReply, Report
from tests.conftest import PipelineEnv

UNSETTLED_REPORTS = ("new", "ready")
UNSETTLED_REPLIES = ("pending", "sending")


def synthetic(count: int, seed: int, channel: str = "import") -> Iterator[InboundMessage]:
    """`count` synthetic complaints as the import connector (or `channel`) would store them."""
    for line in generate(count, seed=seed):
        msg = parse_line(json.dumps(line, ensure_ascii=False))
        yield msg.model_copy(update={"channel": channel}) if channel != "import" else msg


def unsettled(env: PipelineEnv) -> int:
    """Messages, reports and replies the pipeline still owes work on."""
    with env.session() as session:
        inbox = session.exec(
            select(func.count()).where(InboxMessage.state == "received")  # type: ignore[arg-type]
        ).one()
        reports = session.exec(
            select(func.count()).where(Report.state.in_(UNSETTLED_REPORTS))  # type: ignore[attr-defined]
        ).one()
        replies = session.exec(
            select(func.count()).where(OutboxReply.state.in_(UNSETTLED_REPLIES))  # type: ignore[attr-defined]
        ).one()
    return int(inbox) + int(reports) + int(replies)


def settle(env: PipelineEnv, timeout_s: float = 240.0) -> float:
    """Drain and sweep (as the clock would) until nothing is owed; seconds it took."""
    started = time.monotonic()
    while unsettled(env):
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"{unsettled(env)} rows still unsettled after {timeout_s:.0f} s")
        env.drain()
        sweeper.sweep(env.settings, older_than=timedelta(seconds=2))
        time.sleep(0.5)
    return time.monotonic() - started


def rows(env: PipelineEnv, model: type) -> list:
    """Every row of a table."""
    with env.session() as session:
        return list(session.exec(select(model)).all())
