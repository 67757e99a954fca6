"""The mentions poller against the fake X API: pages, restarts, rate limits, the 800 reach."""

from __future__ import annotations

import threading

import pytest

from config.settings import TwitterSettings
from connectors.contract import TemporarilyUnavailable
from connectors.poll_loop import PollerStopped, run
from connectors.twitter.poll import TwitterPoller
from tests.fakes.intake_sink import MemorySink, poll_until_caught_up
from tests.fakes.x_api import FakeXApi

COMPLAINTS = [
    "Genangan air di Jl. Gunung Sahari",
    "Pohon tumbang di Jl. Cilincing Raya",
    "Parkir liar di trotoar Jl. Sabang",
    "Got mampet di Jl. Kramat Raya",
]


def _more(fake: FakeXApi, count: int, first_id: int = 1861234567890200000) -> list[str]:
    """Add `count` new complaint mentions (newer than the recorded page)."""
    tweets = [
        {
            "id": str(first_id + i),
            "author_id": "1402938475610293847",
            "created_at": "2026-11-23T02:00:00.000Z",
            "conversation_id": str(first_id + i),
            "text": f"@DKIJakarta {COMPLAINTS[i % len(COMPLAINTS)]} (laporan {i})",
        }
        for i in range(count)
    ]
    fake.load_page({"data": tweets})
    return [t["id"] for t in tweets]


def test_all_pages_stored_once_and_since_id_moves_only_at_the_end(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    new_ids = _more(fake_x, 9)
    sink = MemorySink()
    poll_until_caught_up("twitter", TwitterPoller(twitter_settings), sink)
    assert len(sink.rows) == 3 + 9  # 14 mentions, minus a retweet and our own reply
    assert sink.checkpoints["twitter"]["since_id"] == new_ids[-1]
    # the next poll asks only for what is newer, and gets nothing twice
    later = _more(fake_x, 2, first_id=1861234567890300000)
    poll_until_caught_up("twitter", TwitterPoller(twitter_settings), sink)
    assert len(sink.rows) == 14 and sink.checkpoints["twitter"]["since_id"] == later[-1]
    assert fake_x.requests[-1][2]["since_id"] == [new_ids[-1]]


def test_restart_in_the_middle_of_a_run_loses_nothing(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    _more(fake_x, 9)
    sink = MemorySink()
    poll_until_caught_up(
        "twitter", TwitterPoller(twitter_settings), sink, max_fetches=1
    )  # killed after the first page
    mid = sink.checkpoints["twitter"]
    assert "next_token" in mid and "since_id" not in mid  # since_id waits for the whole run
    poll_until_caught_up(
        "twitter", TwitterPoller(twitter_settings), sink
    )  # a new process picks up the pagination token
    assert len(sink.rows) == 12
    assert "next_token" not in sink.checkpoints["twitter"]


def test_rate_limit_becomes_retry_after_from_x_rate_limit_reset(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    fake_x.rate_limit_next, fake_x.reset_in_s = 1, 600
    poller = TwitterPoller(twitter_settings)
    with pytest.raises(TemporarilyUnavailable) as info:
        poller.fetch(None)
    assert info.value.retry_after is not None and 595 <= info.value.retry_after <= 601
    msgs, _ = poller.fetch(None)  # after the reset the same cursor works
    assert len(msgs) == 3


def test_backlog_beyond_800_mentions_is_reported(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    sink = MemorySink()
    poll_until_caught_up(
        "twitter", TwitterPoller(twitter_settings), sink
    )  # caught up with the recorded page
    _more(fake_x, 850)  # the poller was down during a flood
    poller = TwitterPoller(twitter_settings.model_copy(update={"max_results": 100}))
    poll_until_caught_up("twitter", poller, sink)
    assert len(sink.rows) == 3 + 800  # the API reaches no further back
    assert poller.backlog_overflows == 1
    assert "may be lost" in sink.heartbeats[-1][2]
    assert sink.checkpoints["twitter"]["backlog_overflows"] == 1


def test_refused_bearer_token_stops_the_poller(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    fake_x.bearer_token = "rotated"
    with pytest.raises(PollerStopped, match="credentials refused"):
        run(
            "twitter",
            TwitterPoller(twitter_settings),
            interval_s=0,
            stop=threading.Event(),
            sink=MemorySink(),
        )


def test_doctor_check_looks_the_account_up(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    from config.settings import Settings  # noqa: PLC0415
    from connectors.twitter import check_credentials  # noqa: PLC0415

    assert (
        check_credentials(Settings(twitter=twitter_settings)) == "OK: @DKIJakarta (id 1182910023)"
    )
