"""GET/POST /webhooks/meta end to end: handshake, X-Hub-Signature-256, dedupe, Graph replies."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import select

from config.settings import Settings
from connectors import abuse
from connectors.facebook import build_router
from pipeline.models import InboxMessage, Report
from tests.conftest import PipelineEnv, close_env, make_env
from tests.fakes.meta_graph import FakeGraph

APP_SECRET, VERIFY, PAGE, TOKEN = "meta-app-secret", "verify-me", "150000000000001", "page-token"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "facebook"


@dataclass
class MetaEnv:
    env: PipelineEnv
    graph: FakeGraph
    client: TestClient

    def post(self, body: bytes, signature: str | None = None) -> int:
        sig = signature if signature is not None else sign(body)
        return self.client.post(
            "/webhooks/meta",
            content=body,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": sig},
        ).status_code

    def rows(self, model: type) -> list:
        with self.env.session() as session:
            return list(session.exec(select(model).order_by(model.id)).all())


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_of(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


@pytest.fixture
def meta(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MetaEnv]:
    abuse.reset_shared()
    with FakeGraph(PAGE, TOKEN) as graph:
        env = make_env(
            monkeypatch,
            tmp_path,
            INTAKE_META__APP_SECRET=APP_SECRET,
            INTAKE_META__VERIFY_TOKEN=VERIFY,
            INTAKE_META__PAGE_ACCESS_TOKEN=TOKEN,
            INTAKE_META__PAGE_ID=PAGE,
            INTAKE_META__GRAPH_BASE_URL=graph.base_url,
        )
        app = FastAPI()
        router = build_router(env.settings)
        assert router is not None
        app.include_router(router)
        with TestClient(app) as client:
            yield MetaEnv(env, graph, client)
        close_env(env)


def test_verification_handshake_echoes_the_challenge(meta: MetaEnv) -> None:
    ok = meta.client.get(
        "/webhooks/meta",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    bad = meta.client.get(
        "/webhooks/meta",
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": "guess",
            "hub.challenge": "1158201444",
        },
    )
    assert bad.status_code == 403


def test_signed_messenger_message_is_stored_and_answered_once_across_redeliveries(
    meta: MetaEnv,
) -> None:
    payload = json.loads(body_of("messenger_text.json"))
    payload["entry"][0]["messaging"][0]["timestamp"] = int(time.time() * 1000)  # a fresh message
    body = json.dumps(payload).encode()
    assert [meta.post(body) for _ in range(3)] == [200, 200, 200]
    meta.env.drain()
    (row,) = meta.rows(InboxMessage)
    assert row.channel == "facebook" and row.state == "processed"
    assert len(meta.rows(Report)) == 1
    (sent,) = meta.graph.messages
    assert sent["recipient"] == {"id": "6900000000000001"}
    assert sent["messaging_type"] == "RESPONSE"  # inside the 24-hour window: no tag needed


@pytest.mark.parametrize("signature", ["", "sha256=00", "sha1=abc", None])
def test_forged_signature_is_403_and_nothing_stored(meta: MetaEnv, signature: str | None) -> None:
    body = body_of("messenger_text.json")
    sig = sign(body, secret="not-the-secret") if signature is None else signature
    assert meta.post(body, signature=sig) == 403
    meta.env.drain()
    assert meta.rows(InboxMessage) == [] and meta.graph.messages == []


def test_feed_comment_is_answered_under_the_comment(meta: MetaEnv) -> None:
    assert meta.post(body_of("feed_comment.json")) == 200
    meta.env.drain()
    (row,) = meta.rows(InboxMessage)
    assert row.external_id == "122131676912594941_1213590066982748"
    (comment,) = meta.graph.comments
    assert comment[0] == "122131676912594941_1213590066982748"


def test_receipts_reactions_and_edits_are_acknowledged_and_ignored(meta: MetaEnv) -> None:
    assert meta.post(body_of("messenger_noise.json")) == 200
    assert meta.post(body_of("feed_noise.json")) == 200
    meta.env.drain()
    assert meta.rows(InboxMessage) == [] and meta.graph.messages == []


def test_signed_but_unparseable_body_is_kept_as_malformed(meta: MetaEnv) -> None:
    body = b'{"object": "page", "entry": [ this is not json'
    assert meta.post(body) == 200
    (row,) = meta.rows(InboxMessage)
    assert row.state == "malformed" and "unparseable" in row.error


def test_channel_without_secrets_has_no_route() -> None:
    assert build_router(Settings()) is None


def test_oversized_body_is_refused(meta: MetaEnv) -> None:
    body = json.dumps({"object": "page", "pad": "x" * (abuse.MAX_WEBHOOK_BYTES + 1)}).encode()
    assert meta.post(body) == 413
    assert meta.rows(InboxMessage) == []
