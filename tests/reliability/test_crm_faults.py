"""CRM and reply-provider faults: one ticket per report, replies at most once, all pushed.

The Open311 core runs under uvicorn behind tests/reliability/faultproxy.py, which answers 503,
loses answers after the core committed, answers slowly and resets connections.
"""

from __future__ import annotations

import itertools
import json
import random
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors import abuse, intake
from connectors.contract import Sender
from crm_core.api import create_app
from crm_core.serve import ServedApp
from crm_core.service import CRMCore
from pipeline.models import OutboxReply, Report
from tests.conftest import PipelineEnv, close_env, make_env
from tests.fakes.http_fake import Reply
from tests.fakes.twilio_api import FakeTwilio, twilio_error
from tests.reliability.faultproxy import FAULTS, FaultProxy, cycle_plan
from tests.reliability.report import Figures, record
from tests.reliability.settle import rows, settle, synthetic

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]
API_KEY = "kunci-uji-crm"
SID, TOKEN = "AC" + "b" * 32, "twilio-test-token"
#: Intake categories -> the core's service codes (crm_core/services.py names some differently).
SERVICE_CODES = {
    "pju": "lampu_jalan",
    "banjir": "banjir_genangan",
    "trotoar": "fasilitas_umum",
    "pkl": "ketertiban_umum",
    "kebisingan": "ketertiban_umum",
    "pelayanan_publik": "lainnya",
}


def _random_faults(rng: random.Random) -> Iterator[str]:
    """Forever: 40% pass, the rest spread over every fault the proxy knows."""
    others = [f for f in FAULTS if f != "pass"]
    while True:
        yield "pass" if rng.random() < 0.4 else rng.choice(others)


@pytest.fixture
def served_core(tmp_path: Path) -> Iterator[tuple[CRMCore, ServedApp]]:
    core = CRMCore(f"sqlite:///{tmp_path / 'crm_core.db'}")
    with ServedApp(create_app(core, api_key=API_KEY)) as served:
        yield core, served


def test_crm_faults_make_one_ticket_per_report(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    served_core: tuple[CRMCore, ServedApp],
    long_run: bool,
) -> None:
    core, served = served_core
    messages = 300 if long_run else 40
    plan = cycle_plan(_random_faults(random.Random(311)), methods=frozenset({"POST", "GET"}))
    with FaultProxy(("127.0.0.1", served.port), plan, slow_s=0.5, hold_s=2.0) as proxy:
        env = make_env(
            monkeypatch,
            tmp_path,
            INTAKE_CRM__BACKEND="open311",
            INTAKE_CRM__BASE_URL=f"{proxy.url}/open311/v2",
            INTAKE_CRM__API_KEY=API_KEY,
            INTAKE_CRM__TIMEOUT_S="1",
            INTAKE_CRM__SERVICE_CODES=json.dumps(SERVICE_CODES),
        )
        try:
            for msg in synthetic(messages, seed=23):
                intake.accept(msg)
            started = time.monotonic()
            settle(env, timeout_s=120 + 3 * messages)  # faults slow each push down
            recover = time.monotonic() - started
            figures = _crm_figures(env, core, messages, proxy.seen, recover)
        finally:
            close_env(env)
    record(figures)
    assert figures.clean, figures
    assert sum(n for f, n in proxy.seen.items() if f != "pass") >= 5, proxy.seen
    assert figures.crm_tickets == figures.notes["pushed"] > 0


def _crm_figures(
    env: PipelineEnv, core: CRMCore, messages: int, seen: Counter[str], recover: float
) -> Figures:
    reports = rows(env, Report)
    tickets = core.search(limit=10_000)
    per_reference = Counter(t.reference for t in tickets)
    pushed = [r for r in reports if r.state == "pushed"]
    stuck = [r for r in reports if r.state in ("new", "ready", "dead")]
    replies = Counter(json.loads(line)["idempotency_key"] for line in _reply_lines(env))
    return Figures(
        scenario="CRM 503/lost/slow/reset via proxy",
        messages_sent=messages,
        reports_created=len(reports),
        crm_tickets=len(tickets),
        replies_sent=sum(replies.values()),
        lost=messages
        - len(reports)
        + len(stuck)
        + len(set(r.reference for r in pushed) - set(per_reference)),
        duplicated=sum(n - 1 for n in per_reference.values())
        + sum(n - 1 for n in replies.values()),
        recover_s=round(recover, 2),
        faults=sum(n for f, n in seen.items() if f != "pass"),
        notes={"pushed": len(pushed), "proxy": dict(seen)},
    )


def _reply_lines(env: PipelineEnv) -> list[str]:
    path = env.var_dir / "replies" / "import.jsonl"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def test_reply_api_429_and_5xx_send_each_reply_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, long_run: bool
) -> None:
    messages = 60 if long_run else 12
    abuse.reset_shared()
    with FakeTwilio(SID, TOKEN) as fake:
        env = make_env(
            monkeypatch,
            tmp_path,
            INTAKE_TWILIO__ACCOUNT_SID=SID,
            INTAKE_TWILIO__AUTH_TOKEN=TOKEN,
            INTAKE_TWILIO__API_BASE_URL=fake.base_url,
            INTAKE_TWILIO__SMS_FROM="+628111272206",
        )
        # Twilio answers 429 (error 20429) with Retry-After under load, and 5xx in incidents:
        # https://www.twilio.com/docs/usage/twilios-response#response-formats-exceptions
        busy = twilio_error(429, 20429, "Too Many Requests")
        busy.headers["Retry-After"] = "1"
        fake.fail_next("Messages.json", busy, times=messages // 2)
        fake.fail_next("Messages.json", Reply(503, "upstream unavailable"), times=messages // 3)
        fake.fail_next("Messages.json", twilio_error(500, 20500, "Internal Server Error"), times=2)
        try:
            numbers = (f"+62812{n:07d}" for n in itertools.count(5550000))
            for msg in synthetic(messages, seed=29, channel="twilio"):
                intake.accept(msg.model_copy(update={"sender": Sender(handle=next(numbers))}))
            started = time.monotonic()
            settle(env)
            recover = time.monotonic() - started
            outbox = rows(env, OutboxReply)
            reports = rows(env, Report)
        finally:
            close_env(env)
    per_reply = Counter((s["To"], s.get("Body", "")) for s in fake.sent)
    figures = record(
        Figures(
            scenario="Twilio replies 429 + 5xx",
            messages_sent=messages,
            reports_created=len(reports),
            crm_tickets=sum(r.state == "pushed" for r in reports),
            replies_sent=len(fake.sent),
            lost=sum(o.state != "sent" for o in outbox),
            duplicated=sum(n - 1 for n in per_reply.values()),
            recover_s=round(recover, 2),
            faults=messages // 2 + messages // 3 + 2,
        )
    )
    assert figures.clean, figures
    assert len(fake.sent) == len(outbox) > 0
    assert max(o.attempts for o in outbox) > 1  # the faults really hit


def test_open311_default_settings_push_every_category(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, served_core: tuple[CRMCore, ServedApp]
) -> None:
    _, served = served_core
    env = make_env(
        monkeypatch,
        tmp_path,
        INTAKE_CRM__BACKEND="open311",
        INTAKE_CRM__BASE_URL=f"{served.url}/open311/v2",
        INTAKE_CRM__API_KEY=API_KEY,
    )
    try:
        for msg in synthetic(40, seed=23):
            intake.accept(msg)
        settle(env)
        dead = [r.category for r in rows(env, Report) if r.state == "dead"]
    finally:
        close_env(env)
    assert dead == []
