"""The connector registry: explicit channels, factories looked up by name, nothing guessed."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import Settings
from connectors import registry
from connectors.contract import OutboundReply, ReplySender
from connectors.file_import.reply import FileReplySender


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    """Settings with no credentials at all, and a fresh module cache."""
    for key in ("DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    registry.module.cache_clear()
    yield Settings(var_dir=tmp_path / "var")
    registry.module.cache_clear()


def test_import_channel_replies_into_a_file(settings: Settings) -> None:
    sender = registry.reply_sender("import", settings)
    assert isinstance(sender, FileReplySender)
    assert isinstance(sender, ReplySender)
    assert sender.path == settings.var_dir / "replies" / "import.jsonl"
    reply = OutboundReply(
        channel="import",
        recipient="warga-1",
        text="Terima kasih",
        kind="confirmation",
        idempotency_key="report:1:confirmation",
    )
    assert not sender.was_sent(reply)
    assert sender.send(reply).provider_message_id == "report:1:confirmation"
    assert sender.was_sent(reply)
    assert not sender.was_sent(reply.model_copy(update={"idempotency_key": "report:1:c"}))


def test_unconfigured_channels_offer_nothing(settings: Settings) -> None:
    for channel in registry.CONNECTORS:
        if channel != "import":
            assert registry.reply_sender(channel, settings) is None, channel
    assert registry.pollable(settings) == []
    assert registry.routers(settings) == []


def test_unknown_or_absent_channel_is_none(settings: Settings) -> None:
    assert registry.module("kantor_inspektorat") is None
    assert registry.reply_sender("kantor_inspektorat", settings) is None
    assert registry.poller("kantor_inspektorat", settings) is None
    assert "walkin" in registry.CONNECTORS
    assert registry.module("walkin") is not None  # desk connector: replies by SMS/e-mail


def test_connector_with_a_missing_dependency_fails_loudly(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "broken_connector"
    package.mkdir()
    (package / "__init__.py").write_text("import not_installed_sdk_for_tests\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(registry.CONNECTORS, "broken", "broken_connector")
    with pytest.raises(ModuleNotFoundError, match="not_installed_sdk_for_tests"):
        registry.reply_sender("broken", settings)
    sys.modules.pop("broken_connector", None)
