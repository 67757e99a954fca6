"""Public replies: in the citizen's thread, with the tracking number, without personal data."""

from __future__ import annotations

import pytest

from config.settings import TwitterSettings
from connectors.contract import BadConfig, OutboundReply
from connectors.twitter.reply import TwitterReplySender, public_text
from tests.fakes.x_api import FakeXApi

CONFIRM = (
    "Terima kasih, laporan Anda kami terima dengan nomor JK7M-29QX-4. "
    "Cek status di https://crm.example.go.id/lacak"
)


def _reply(text: str = CONFIRM) -> OutboundReply:
    return OutboundReply(
        channel="twitter",
        recipient="warga_cengkareng",
        text=text,
        kind="confirmation",
        reply_context={"tweet_id": "1861234567890123460"},
        idempotency_key="report-7:confirmation",
    )


def test_reply_is_posted_in_the_thread_with_the_tracking_number(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    result = TwitterReplySender(twitter_settings).send(_reply())
    [posted] = fake_x.posted
    assert posted["reply"] == {"in_reply_to_tweet_id": "1861234567890123460"}
    assert "JK7M-29QX-4" in posted["text"]
    assert result.provider_message_id == posted["id"]


def test_retry_after_a_lost_response_does_not_post_twice(
    fake_x: FakeXApi, twitter_settings: TwitterSettings
) -> None:
    sender = TwitterReplySender(twitter_settings)
    sender.send(_reply())
    sender.send(_reply())  # X answers 403 duplicate content: already public, so "sent"
    assert len(fake_x.posted) == 1


def test_personal_data_never_reaches_a_public_reply() -> None:
    text = public_text(
        "Nomor JK7M-29QX-4 untuk Bapak (0812-3456-7890, warga@example.com, NIK 3171012345678901)."
    )
    assert "JK7M-29QX-4" in text
    assert "0812" not in text and "warga@example.com" not in text and "3171012345" not in text
    assert len(public_text("a" * 400)) == 280


def test_posting_without_user_keys_is_a_config_error() -> None:
    with pytest.raises(BadConfig, match="INTAKE_TWITTER__CONSUMER_KEY"):
        TwitterReplySender(TwitterSettings(user_id="1182910023"))


def test_media_fetcher_only_downloads_from_x_media_hosts() -> None:
    from config.settings import Settings  # noqa: PLC0415
    from connectors.contract import MediaRef  # noqa: PLC0415
    from connectors.media import MediaRefused  # noqa: PLC0415
    from connectors.twitter import build_media_fetcher  # noqa: PLC0415

    fetch = build_media_fetcher(Settings())
    assert fetch is not None
    for url in ("http://169.254.169.254/latest/meta-data", "https://evil.example/x.jpg"):
        with pytest.raises(MediaRefused):
            fetch(MediaRef(url=url))
