"""Public replies under the citizen's tweet: tracking number yes, personal data never."""

from __future__ import annotations

import re
from typing import ClassVar

import tweepy

from config.settings import TwitterSettings
from connectors.contract import BadConfig, ConnectorError, OutboundReply, SendResult
from connectors.twitter.client import DuplicateTweet, make_client, mapped_errors
from connectors.twitter.parse import CHANNEL

MAX_CHARS = 280  # X counts weighted characters; the Latin script of our templates weighs 1
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
# phone numbers (+62 / 08...) and NIK (16 digits): any run of 9+ digits, spaces or dashes allowed
_LONG_NUMBER = re.compile(r"\+?\d[\d \-]{7,}\d")


def public_text(text: str) -> str:
    """The reply as it may appear in public: emails and long numbers masked, within 280 chars."""
    text = _EMAIL.sub("[disamarkan]", text)
    text = _LONG_NUMBER.sub(
        lambda m: "[disamarkan]" if sum(c.isdigit() for c in m.group()) >= 9 else m.group(), text
    )
    return text if len(text) <= MAX_CHARS else text[: MAX_CHARS - 1].rstrip() + "…"


class TwitterReplySender:
    """Posts replies with POST /2/tweets (user context: OAuth 1.0a keys of @DKIJakarta)."""

    channel: ClassVar[str] = CHANNEL

    def __init__(self, settings: TwitterSettings, client: tweepy.Client | None = None) -> None:
        missing = [
            name
            for name, value in (
                ("CONSUMER_KEY", settings.consumer_key),
                ("CONSUMER_SECRET", settings.consumer_secret),
                ("ACCESS_TOKEN", settings.access_token),
                ("ACCESS_TOKEN_SECRET", settings.access_token_secret),
            )
            if not value
        ]
        if missing:
            raise BadConfig(f"INTAKE_TWITTER__{missing[0]}", "needed to post replies")
        self.client = client or make_client(settings)

    def send(self, reply: OutboundReply) -> SendResult:
        """Reply in the citizen's thread; a duplicate refusal means the reply is already out."""
        tweet_id = str(reply.reply_context.get("tweet_id") or "")
        if not tweet_id.isdigit():
            raise ConnectorError("reply_context has no tweet_id to answer")
        try:
            with mapped_errors("reply"):
                posted = self.client.create_tweet(
                    text=public_text(reply.text), in_reply_to_tweet_id=tweet_id, user_auth=True
                )
        except DuplicateTweet:
            # X refuses an identical tweet (403 "duplicate content"): a retry after a lost
            # response lands here, and the reply is already public. Sent, not failed.
            return SendResult(provider_message_id="")
        return SendResult(provider_message_id=str((posted.get("data") or {}).get("id", "")))
