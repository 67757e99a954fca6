"""The partner feed poller against a local feed: cursor, restarts, outages, bad pages."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import Lapor1708Settings
from connectors.contract import TemporarilyUnavailable
from connectors.lapor1708.poll import LaporFeedPoller
from connectors.poll_loop import PollerStopped, run
from tests.fakes.feeds import FeedServer, LaporFeed
from tests.fakes.intake_sink import MemorySink, poll_until_caught_up

FIXTURES = Path(__file__).parents[2] / "fixtures" / "lapor1708"
PAGES = [json.loads((FIXTURES / f"feed_page_{n}.json").read_text()) for n in (1, 2)]


@pytest.fixture
def feed() -> Iterator[tuple[FeedServer, LaporFeed]]:
    server = FeedServer()
    yield server, LaporFeed(server, PAGES, token="rahasia-mitra")
    server.close()


def _settings(url: str, token: str = "rahasia-mitra") -> Lapor1708Settings:
    return Lapor1708Settings(feed_url=url, token=token, page_size=2, timeout_s=5)  # type: ignore[arg-type]


def test_feed_read_page_by_page_with_flags_and_bad_item_flagged(feed: Any) -> None:
    server, lapor = feed
    sink = MemorySink()
    poll_until_caught_up("lapor1708", LaporFeedPoller(_settings(lapor.url)), sink)
    assert [ext for _, ext in sink.rows] == ["4821907", "4821911", "4821915"]
    pungli = sink.rows[("lapor1708", "4821911")]
    assert pungli.anonymous and pungli.confidential and pungli.sender.handle == ""
    assert list(sink.malformed.values()) == ["no report text"]
    assert sink.checkpoints["lapor1708"] == {"cursor": "eyJpZCI6NDgyMTkxOH0"}
    assert server.requests[1][1]["cursor"] == ["eyJpZCI6NDgyMTkxMX0"]


def test_restart_resumes_from_the_saved_cursor_without_duplicates(feed: Any) -> None:
    server, lapor = feed
    sink = MemorySink()
    poll_until_caught_up(
        "lapor1708", LaporFeedPoller(_settings(lapor.url)), sink, max_fetches=1
    )  # killed after page one
    assert len(sink.rows) == 2
    poll_until_caught_up("lapor1708", LaporFeedPoller(_settings(lapor.url)), sink)
    assert len(sink.rows) == 3
    assert [q.get("cursor") for _, q, _ in server.requests] == [
        None,
        ["eyJpZCI6NDgyMTkxMX0"],
        ["eyJpZCI6NDgyMTkxOH0"],
    ]


def test_outage_with_retry_after_and_unreadable_page(feed: Any) -> None:
    server, lapor = feed
    poller = LaporFeedPoller(_settings(lapor.url))
    server.fail_next = [
        (503, {"retry-after": "120"}, b"maintenance"),
        (200, {"content-type": "text/html"}, b"<html>Login</html>"),
    ]
    with pytest.raises(TemporarilyUnavailable) as outage:
        poller.fetch(None)
    assert outage.value.retry_after == 120
    with pytest.raises(TemporarilyUnavailable, match="unreadable"):
        poller.fetch(None)
    [bad] = poller.take_malformed()
    assert "<html>Login</html>" in str(bad.raw)
    msgs, _ = poller.fetch(None)  # the feed is back
    assert len(msgs) == 2


def test_wrong_token_stops_naming_the_setting(feed: Any) -> None:
    _, lapor = feed
    with pytest.raises(PollerStopped, match="INTAKE_LAPOR1708__TOKEN"):
        run(
            "lapor1708",
            LaporFeedPoller(_settings(lapor.url, token="kedaluwarsa")),
            interval_s=0,
            stop=threading.Event(),
            sink=MemorySink(),
        )


def test_field_mapping_for_a_partner_with_other_names(feed: Any) -> None:
    server, _ = feed
    page = {
        "result": {
            "items": [
                {
                    "no_tiket": "#5000001",
                    "uraian_masalah": "Got mampet di Jl. Salemba Raya",
                    "tgl": "2026-11-23 10:00:00",
                }
            ]
        },
        "paging": {"next": ""},
    }
    url = server.add("/partner", json.dumps(page), "application/json")
    settings = _settings(url).model_copy(
        update={
            "items_path": "result.items",
            "next_cursor_path": "paging.next",
            "field_map": {
                "tracking_id": "no_tiket",
                "content": "uraian_masalah",
                "created_at": "tgl",
            },
        }
    )
    msgs, cursor = LaporFeedPoller(settings).fetch(None)
    assert [(m.external_id, m.text) for m in msgs] == [
        ("5000001", "Got mampet di Jl. Salemba Raya")
    ]
    assert msgs[0].received_at.isoformat() == "2026-11-23T03:00:00+00:00"
    assert cursor == {"cursor": None}
