"""A recorded mentions page becomes the complaints citizens tweeted at @DKIJakarta."""

from __future__ import annotations

from connectors.twitter.parse import parse_page
from tests.connectors.twitter.conftest import ACCOUNT_ID, recorded_page


def test_complaints_kept_oldest_first_retweets_and_own_tweets_left_out() -> None:
    msgs, skipped = parse_page(recorded_page(), ACCOUNT_ID)
    assert [m.external_id for m in msgs] == [
        "1861234567890123456",
        "1861234567890123457",
        "1861234567890123460",
    ]
    assert sorted(s.reason for s in skipped) == ["own tweet", "retweet"]


def test_photo_place_author_and_thread_are_kept() -> None:
    msgs, _ = parse_page(recorded_page(), ACCOUNT_ID)
    hole = msgs[-1]
    assert hole.text.startswith("Jalan berlubang besar di Jl. Daan Mogot")
    assert "&amp;" not in hole.text and "& belum" in hole.text
    assert "t.co" not in hole.text and "@DKIJakarta" not in hole.text
    assert [m.url for m in hole.media] == ["https://pbs.twimg.com/media/GdXk3pQ9mZ2aAbC.jpg"]
    assert hole.location is not None and hole.location.source == "place"
    assert -6.18 < hole.location.lat < -6.11 and 106.69 < hole.location.lon < 106.77
    assert hole.sender.handle == "warga_cengkareng"
    assert hole.reply_context == {
        "tweet_id": "1861234567890123460",
        "author_id": "1402938475610293847",
    }
    assert hole.received_at.isoformat() == "2026-11-23T01:12:44+00:00"


def test_exact_point_beats_place_and_followup_keeps_its_thread() -> None:
    msgs, _ = parse_page(recorded_page(), ACCOUNT_ID)
    followup, lamp = msgs[0], msgs[1]
    assert lamp.location is not None and lamp.location.source == "shared"
    assert (lamp.location.lat, lamp.location.lon) == (-6.2611, 106.8139)
    assert followup.conversation_id == "1861234567890120001"  # the thread of the first report


def test_tweet_without_text_is_malformed_not_fatal() -> None:
    page = recorded_page()
    del page["data"][0]["text"]
    msgs, skipped = parse_page(page, ACCOUNT_ID)
    assert len(msgs) == 2
    assert [s.tweet_id for s in skipped if s.malformed] == ["1861234567890123460"]
