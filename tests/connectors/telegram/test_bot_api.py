"""Replies, polling and media through python-telegram-bot against a local Bot API fake."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from config.settings import Settings, TelegramSettings
from connectors.contract import (
    AuthFailed,
    ConnectorError,
    MediaRef,
    OutboundReply,
    TemporarilyUnavailable,
)
from connectors.media import MediaRefused
from connectors.telegram import build_media_fetcher, check_credentials
from connectors.telegram.bot import BotRunner
from connectors.telegram.poll import TelegramPoller
from connectors.telegram.reply import TelegramReplySender
from tests.fakes.telegram_bot_api import FakeTelegram, bot_error

TOKEN = "7000000001:AAFakeTokenForTests"
FIXTURES = Path(__file__).parents[2] / "fixtures" / "telegram"
TEXT = "Terima kasih. Laporan Anda tercatat dengan nomor JKT-7Q4M."


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram(TOKEN) as server:
        yield server


def tg_settings(fake: FakeTelegram, token: str = TOKEN) -> TelegramSettings:
    return TelegramSettings(
        bot_token=SecretStr(token),
        base_url=f"{fake.base_url}/bot",
        base_file_url=f"{fake.base_url}/file/bot",
        mode="polling",
        poll_timeout_s=0,
    )


@pytest.fixture
def runner(fake: FakeTelegram) -> Iterator[BotRunner]:
    bot = BotRunner(tg_settings(fake))
    yield bot
    bot.close()


def reply() -> OutboundReply:
    return OutboundReply(
        channel="telegram",
        recipient="500000001",
        text=TEXT,
        kind="confirmation",
        reply_context={"chat_id": 500000001, "message_id": 5362},
    )


def test_reply_goes_to_the_chat_quoting_the_report(fake: FakeTelegram, runner: BotRunner) -> None:
    result = TelegramReplySender(runner).send(reply())
    (sent,) = fake.sent
    assert sent["chat_id"] == 500000001 and sent["text"] == TEXT
    assert sent["reply_parameters"]["message_id"] == 5362
    assert result.provider_message_id == "500000001:1001"


def test_flood_control_is_retried_later_and_sent_once(
    fake: FakeTelegram, runner: BotRunner
) -> None:
    fake.fail_next("/sendMessage", bot_error(429, "Too Many Requests: retry after 5", 5))
    sender = TelegramReplySender(runner)
    with pytest.raises(TemporarilyUnavailable) as err:
        sender.send(reply())
    assert err.value.retry_after == 5.0
    sender.send(reply())
    assert len(fake.sent) == 1


def test_blocked_by_the_user_is_permanent(fake: FakeTelegram, runner: BotRunner) -> None:
    fake.fail_next("/sendMessage", bot_error(403, "Forbidden: bot was blocked by the user"))
    with pytest.raises(ConnectorError) as err:
        TelegramReplySender(runner).send(reply())
    assert not isinstance(err.value, TemporarilyUnavailable | AuthFailed)


def test_server_error_is_temporary(fake: FakeTelegram, runner: BotRunner) -> None:
    fake.fail_next("/sendMessage", bot_error(502, "Bad Gateway"))
    with pytest.raises(TemporarilyUnavailable):
        TelegramReplySender(runner).send(reply())


def test_wrong_token_is_auth_failed(fake: FakeTelegram) -> None:
    settings = Settings(telegram=tg_settings(fake, token="7000000001:wrong"))
    with pytest.raises(AuthFailed):
        check_credentials(settings)
    assert check_credentials(Settings(telegram=tg_settings(fake))) == "telegram bot @CRMJakartaBot"


def test_poller_uses_the_offset_as_cursor_and_confirms_on_the_next_fetch(
    fake: FakeTelegram, runner: BotRunner
) -> None:
    for name in ("lapor_text.json", "sticker.json", "photo_caption.json"):
        fake.push_update(json.loads((FIXTURES / name).read_text()))
    poller = TelegramPoller(runner, timeout_s=0)
    msgs, cursor = poller.fetch(None)
    assert [m.external_id for m in msgs] == ["500000001:5362", "500000001:5364"]
    assert cursor == {"offset": 729409808}  # past the sticker too
    # A crash before the checkpoint is saved: fetching from the old cursor sees them again.
    again, _ = poller.fetch(None)
    assert len(again) == 2
    later, same = poller.fetch(cursor)
    assert later == [] and same == cursor
    assert fake.updates == []  # confirmed by the higher offset


def test_poller_keeps_unparseable_updates_for_the_loop(
    fake: FakeTelegram, runner: BotRunner
) -> None:
    bad = json.loads((FIXTURES / "location.json").read_text())
    bad["message"]["location"] = {"latitude": 200.0, "longitude": 106.8}  # impossible point
    fake.push_update(bad)
    poller = TelegramPoller(runner, timeout_s=0)
    msgs, cursor = poller.fetch(None)
    assert msgs == [] and cursor == {"offset": 729409806}
    (malformed,) = poller.take_malformed()
    assert malformed.external_id == "update-729409805"


def test_photo_is_downloaded_by_file_id(fake: FakeTelegram) -> None:
    fake.files["AgACphoto"] = (b"\xff\xd8\xff" + b"\x01" * 500, "photos/file_12.jpg")
    fetch = build_media_fetcher(Settings(telegram=tg_settings(fake)))
    assert fetch is not None
    data, content_type = fetch(MediaRef(url="tg-file:AgACphoto", size=503))
    assert content_type == "image/jpeg" and data.startswith(b"\xff\xd8\xff")
    with pytest.raises(MediaRefused):
        fetch(MediaRef(url="tg-file:AgACphoto", size=50_000_000))
    with pytest.raises(MediaRefused):
        fetch(MediaRef(url="https://evil.example/a.jpg"))
