"""Replies through the Graph API (httpx) against a local fake of graph.facebook.com."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import SecretStr

from config.settings import MetaSettings, Settings
from connectors.contract import AuthFailed, MediaRef, OutboundReply, TemporarilyUnavailable
from connectors.facebook import build_media_fetcher
from connectors.facebook.reply import MetaReplySender, OutsideWindow
from connectors.media import MediaRefused
from tests.fakes.http_fake import Reply
from tests.fakes.meta_graph import FakeGraph, graph_error

PAGE, TOKEN = "150000000000001", "page-token"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
TEXT = "Laporan Anda sudah kami terima dengan nomor JKT-7Q4M. Ketik STATUS JKT-7Q4M untuk cek."


@pytest.fixture
def fake() -> Iterator[FakeGraph]:
    with FakeGraph(PAGE, TOKEN) as server:
        yield server


def sender(fake: FakeGraph, **extra: object) -> MetaReplySender:
    values = {
        "page_access_token": SecretStr(TOKEN),
        "app_secret": SecretStr("app-secret"),
        "page_id": PAGE,
        "graph_base_url": fake.base_url,
    } | extra
    return MetaReplySender(MetaSettings(**values))


def messenger_reply(last_inbound: datetime) -> OutboundReply:
    context = {
        "transport": "messenger",
        "psid": "6900000000000001",
        "last_inbound_at": last_inbound.isoformat(),
    }
    return OutboundReply(
        channel="facebook",
        recipient="6900000000000001",
        text=TEXT,
        kind="confirmation",
        reply_context=context,
    )


def test_messenger_reply_inside_window_is_a_response(fake: FakeGraph) -> None:
    result = sender(fake).send(messenger_reply(NOW - timedelta(minutes=5)), NOW)
    (sent,) = fake.messages
    assert sent == {
        "recipient": {"id": "6900000000000001"},
        "message": {"text": TEXT},
        "messaging_type": "RESPONSE",
    }
    assert result.provider_message_id.startswith("m_")
    assert "appsecret_proof" in fake.calls[0].query


def test_status_update_after_two_days_carries_the_message_tag(fake: FakeGraph) -> None:
    sender(fake).send(messenger_reply(NOW - timedelta(days=2)), NOW)
    assert fake.messages[0]["messaging_type"] == "MESSAGE_TAG"
    assert fake.messages[0]["tag"] == "ACCOUNT_UPDATE"


def test_without_a_tag_the_closed_window_is_refused(fake: FakeGraph) -> None:
    with pytest.raises(OutsideWindow):
        sender(fake, messenger_tag="").send(messenger_reply(NOW - timedelta(days=2)), NOW)
    assert fake.messages == []


def test_comment_gets_a_reply_comment(fake: FakeGraph) -> None:
    reply = OutboundReply(
        channel="facebook",
        recipient="7000000000000001",
        text=TEXT,
        kind="confirmation",
        reply_context={"transport": "feed", "object_id": "122131676912594941_1213590066982748"},
    )
    result = sender(fake).send(reply, NOW)
    assert fake.comments == [("122131676912594941_1213590066982748", TEXT)]
    assert result.provider_message_id


def test_throttled_then_sent_once(fake: FakeGraph) -> None:
    fake.fail_next(
        "/messages", Reply(429, {"error": {"code": 613, "message": "rate"}}, {"Retry-After": "30"})
    )
    s = sender(fake)
    with pytest.raises(TemporarilyUnavailable) as err:
        s.send(messenger_reply(NOW), NOW)
    assert err.value.retry_after == 30.0
    s.send(messenger_reply(NOW), NOW)
    assert len(fake.messages) == 1


def test_page_rate_limit_code_is_temporary_even_with_http_400(fake: FakeGraph) -> None:
    fake.fail_next("/messages", graph_error(400, 32, "Page request limit reached"))
    with pytest.raises(TemporarilyUnavailable):
        sender(fake).send(messenger_reply(NOW), NOW)


def test_expired_token_is_auth_failed(fake: FakeGraph) -> None:
    with pytest.raises(AuthFailed):
        sender(fake, page_access_token=SecretStr("expired")).send(messenger_reply(NOW), NOW)
    with pytest.raises(AuthFailed):
        sender(fake, page_access_token=SecretStr("expired")).check()


def test_check_reads_the_page(fake: FakeGraph) -> None:
    assert sender(fake).check() == f"facebook page {PAGE}"


def test_attachment_is_fetched_from_the_cdn_without_the_page_token(fake: FakeGraph) -> None:
    fake.media["photo.jpg"] = (b"\xff\xd8\xff" + b"\x02" * 1000, "image/jpeg")
    meta = MetaSettings(graph_base_url=fake.base_url, max_media_bytes=2000)
    fetch = build_media_fetcher(Settings(meta=meta))
    assert fetch is not None
    data, content_type = fetch(MediaRef(url=fake.media_url("photo.jpg")))
    assert content_type == "image/jpeg" and len(data) == 1003
    assert "access_token" not in fake.calls[-1].query
    fake.media["big.jpg"] = (b"\xff\xd8\xff" + b"\x02" * 5000, "image/jpeg")
    with pytest.raises(MediaRefused):
        fetch(MediaRef(url=fake.media_url("big.jpg")))
    with pytest.raises(MediaRefused):
        fetch(MediaRef(url="https://graph.facebook.com.evil.example/p.jpg"))
