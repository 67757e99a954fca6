"""POST /webhooks/telegram and the poller end to end, replies through the fake Bot API."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from config.settings import Settings
from connectors import abuse, intake
from connectors.poll_loop import poll_once
from connectors.telegram import build_poller, build_router
from pipeline.models import Attachment, InboxMessage, PollerCheckpoint, Report
from tests.conftest import PipelineEnv, close_env, make_env
from tests.fakes.telegram_bot_api import FakeTelegram

TOKEN, SECRET = "7000000001:AAFakeTokenForTests", "s3cret-Token_for-webhook"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "telegram"


def load(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text())


@dataclass
class TelegramEnv:
    env: PipelineEnv
    bot_api: FakeTelegram
    client: TestClient

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> int:
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        return self.client.post("/webhooks/telegram", json=update, headers=headers).status_code

    def rows(self, model: type) -> list:
        with self.env.session() as session:
            return list(session.exec(select(model)).all())


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buf, "JPEG")
    return buf.getvalue()


def _env(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fake: FakeTelegram, mode: str
) -> PipelineEnv:
    return make_env(
        monkeypatch,
        tmp_path,
        INTAKE_TELEGRAM__BOT_TOKEN=TOKEN,
        INTAKE_TELEGRAM__WEBHOOK_SECRET=SECRET,
        INTAKE_TELEGRAM__MODE=mode,
        INTAKE_TELEGRAM__BASE_URL=f"{fake.base_url}/bot",
        INTAKE_TELEGRAM__BASE_FILE_URL=f"{fake.base_url}/file/bot",
        INTAKE_TELEGRAM__POLL_TIMEOUT_S="0",
    )


@pytest.fixture
def telegram(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[TelegramEnv]:
    abuse.reset_shared()
    with FakeTelegram(TOKEN) as fake:
        env = _env(monkeypatch, tmp_path, fake, "webhook")
        app = FastAPI()
        router = build_router(env.settings)
        assert router is not None
        app.include_router(router)
        with TestClient(app) as client:
            yield TelegramEnv(env, fake, client)
        close_env(env)


def test_update_with_the_secret_is_stored_and_answered_once(telegram: TelegramEnv) -> None:
    update = load("lapor_text.json")
    assert [telegram.post(update) for _ in range(3)] == [200, 200, 200]
    telegram.env.drain()
    assert len(telegram.rows(InboxMessage)) == 1
    (report,) = telegram.rows(Report)
    assert report.original_text.startswith("Pohon tumbang")  # the /lapor prefix is gone
    (sent,) = telegram.bot_api.sent
    assert sent["chat_id"] == 500000001


@pytest.mark.parametrize("secret", [None, "", "wrong-secret"])
def test_missing_or_wrong_secret_is_403_and_nothing_stored(
    telegram: TelegramEnv, secret: str | None
) -> None:
    assert telegram.post(load("lapor_text.json"), secret=secret) == 403
    telegram.env.drain()
    assert telegram.rows(InboxMessage) == [] and telegram.bot_api.sent == []


def test_edits_stickers_and_groups_are_acknowledged_and_ignored(telegram: TelegramEnv) -> None:
    for name in ("edited_message.json", "sticker.json", "group_message.json"):
        assert telegram.post(load(name)) == 200
    telegram.env.drain()
    assert telegram.rows(InboxMessage) == [] and telegram.bot_api.sent == []


def test_start_gets_the_welcome(telegram: TelegramEnv) -> None:
    assert telegram.post(load("start.json")) == 200
    telegram.env.drain()
    assert telegram.bot_api.sent[0]["text"].startswith("Selamat datang")
    assert telegram.rows(Report) == []


def test_full_conversation_over_telegram(telegram: TelegramEnv) -> None:
    first = load("lapor_text.json")
    first["message"]["text"] = "/lapor Ada sampah menumpuk, baunya menyengat"
    assert telegram.post(first) == 200
    telegram.env.drain()
    assert "alamat" in telegram.bot_api.sent[-1]["text"]
    assert telegram.post(load("location.json")) == 200  # the answer: a shared location
    telegram.env.drain()
    (report,) = telegram.rows(Report)
    assert report.tracking_number and report.tracking_number in telegram.bot_api.sent[-1]["text"]
    status = load("status_command.json")
    status["message"]["text"] = f"/status@CRMJakartaBot {report.tracking_number}"
    assert telegram.post(status) == 200
    telegram.env.drain()
    assert telegram.bot_api.sent[-1]["text"].startswith(f"Laporan {report.tracking_number}")


def test_polling_stores_rows_with_the_offset_checkpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with FakeTelegram(TOKEN) as fake:
        env = _env(monkeypatch, tmp_path, fake, "polling")
        try:
            assert build_router(env.settings) is None  # polling mode: no webhook route
            for name in ("lapor_text.json", "sticker.json", "photo_caption.json"):
                fake.push_update(load(name))
            # The photo is downloaded by the pipeline (getFile + file path) and stored.
            for size in load("photo_caption.json")["message"]["photo"]:
                fake.files[size["file_id"]] = (_jpeg(), f"photos/{size['file_id'][-8:]}.jpg")
            poller = build_poller(env.settings)
            assert poller is not None
            poll_once("telegram", poller, intake, intake.load_checkpoint("telegram"))
            env.drain()
            with env.session() as session:
                rows = session.exec(select(InboxMessage)).all()
                checkpoint = session.get(PollerCheckpoint, "telegram")
            assert sorted(r.external_id for r in rows) == ["500000001:5362", "500000001:5364"]
            assert checkpoint is not None and checkpoint.cursor == {"offset": 729409808}
            with env.session() as session:
                photos = session.exec(select(Attachment)).all()
            assert [(p.width, p.height, bool(p.sha256)) for p in photos] == [(64, 48, True)]
            # The next round confirms them at Telegram and finds nothing new.
            msgs, _ = poll_once("telegram", poller, intake, intake.load_checkpoint("telegram"))
            assert msgs == [] and fake.updates == []
        finally:
            close_env(env)


def test_channel_without_secret_has_no_route() -> None:
    assert build_router(Settings()) is None


def test_oversized_update_is_refused(telegram: TelegramEnv) -> None:
    update = load("lapor_text.json")
    update["message"]["text"] = "x" * (abuse.MAX_WEBHOOK_BYTES + 1)
    assert telegram.post(update) == 413
    assert telegram.rows(InboxMessage) == []


def test_polling_holds_a_flooding_sender_like_the_webhook(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with FakeTelegram(TOKEN) as fake:
        env = _env(monkeypatch, tmp_path, fake, "polling")
        try:
            poller = build_poller(env.settings)
            assert poller is not None
            poller.limiter = abuse.RateLimiter(abuse.MemoryStore(capacity=2, refill_per_s=0.001))
            base = load("lapor_text.json")
            for i in range(4):
                update = json.loads(json.dumps(base))
                update["update_id"] = base["update_id"] + i
                update["message"]["message_id"] = base["message"]["message_id"] + i
                fake.push_update(update)
            poll_once("telegram", poller, intake, intake.load_checkpoint("telegram"))
            env.drain()
            with env.session() as session:
                states = sorted(r.state for r in session.exec(select(InboxMessage)).all())
                reports = session.exec(select(Report)).all()
            # Nothing is dropped: the two over the limit are stored, held for the sweeper.
            assert states == ["held", "held", "processed", "processed"]
            assert len(reports) <= 2
        finally:
            close_env(env)
