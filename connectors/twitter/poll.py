"""The @DKIJakarta mentions poller: since_id + pagination token as the cursor, one page a batch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import structlog
import tweepy

from config.settings import TwitterSettings
from connectors.contract import BadConfig, InboundMessage
from connectors.poll_loop import Malformed
from connectors.twitter.client import make_client, mapped_errors
from connectors.twitter.parse import (
    CHANNEL,
    EXPANSIONS,
    MEDIA_FIELDS,
    PLACE_FIELDS,
    TWEET_FIELDS,
    USER_FIELDS,
    parse_page,
)

log = structlog.get_logger(__name__)

# GET /2/users/:id/mentions returns at most the 800 most recent mentions; with since_id older
# than that, "the since_id will be forced to the oldest ID available" (X API reference).
MENTIONS_REACH = 800


def _newer(a: str | None, b: str | None) -> str | None:
    """The larger of two tweet ids (snowflakes grow with time); compare as numbers, not text."""
    if not a or not b:
        return a or b
    return a if int(a) >= int(b) else b


class TwitterPoller:
    """One page per fetch; the cursor keeps since_id until the whole run of pages is stored."""

    channel: ClassVar[str] = CHANNEL

    def __init__(
        self, settings: TwitterSettings, client: tweepy.Client | None = None, now: Any = None
    ) -> None:
        if not settings.user_id.isdigit():
            raise BadConfig("INTAKE_TWITTER__USER_ID", "must be the numeric id of @DKIJakarta")
        self.settings = settings
        self.client = client or make_client(settings)
        self._now = now or (lambda: datetime.now(UTC))
        self._malformed: list[Malformed] = []
        self.has_more = False
        self.note = ""
        self.ignored = 0
        self.backlog_overflows = 0  # runs that reached the 800-mention reach: some may be lost

    def _params(self, cursor: dict[str, Any]) -> dict[str, Any]:
        params: dict[str, Any] = {
            "max_results": self.settings.max_results,
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "user_fields": USER_FIELDS,
            "media_fields": MEDIA_FIELDS,
            "place_fields": PLACE_FIELDS,
        }
        if cursor.get("since_id"):
            params["since_id"] = cursor["since_id"]
        elif cursor.get("start_time"):
            params["start_time"] = cursor["start_time"]
        if cursor.get("next_token"):
            params["pagination_token"] = cursor["next_token"]
        return params

    def fetch(self, cursor: dict[str, Any] | None) -> tuple[list[InboundMessage], dict[str, Any]]:
        """The next page; when a run of pages ends, since_id moves to the newest tweet seen."""
        cursor = dict(cursor or {})
        if not cursor.get("since_id") and not cursor.get("start_time"):
            start = self._now() - timedelta(hours=self.settings.backfill_hours)
            cursor["start_time"] = start.strftime("%Y-%m-%dT%H:%M:%SZ")
        with mapped_errors("mentions timeline"):
            page = self.client.get_users_mentions(self.settings.user_id, **self._params(cursor))
        msgs, skipped = parse_page(page, self.settings.user_id)
        self._remember(skipped)
        return msgs, self._advance(cursor, page.get("meta") or {})

    def _advance(self, cursor: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
        run_newest = _newer(cursor.get("run_newest"), meta.get("newest_id"))
        run_count = int(cursor.get("run_count", 0)) + int(meta.get("result_count", 0))
        self.has_more = bool(meta.get("next_token"))
        if self.has_more:  # mid-run: older pages still to come, since_id must not move yet
            return {
                **cursor,
                "next_token": meta["next_token"],
                "run_newest": run_newest,
                "run_count": run_count,
            }
        self.note = ""
        if cursor.get("since_id") and run_count >= MENTIONS_REACH:
            self.backlog_overflows += 1
            self.note = (
                f"backlog reached the API's {MENTIONS_REACH}-mention reach: older "
                f"mentions may be lost ({self.backlog_overflows} time(s))"
            )
            log.warning("twitter_backlog_overflow", fetched=run_count)
        since_id = _newer(cursor.get("since_id"), run_newest)
        new = {"since_id": since_id} if since_id else {"start_time": cursor.get("start_time")}
        return {
            **new,
            "backlog_overflows": int(cursor.get("backlog_overflows", 0)) + (1 if self.note else 0),
        }

    def _remember(self, skipped: list[Any]) -> None:
        for item in skipped:
            if item.malformed:
                raw = item.raw if isinstance(item.raw, dict) else {"id": item.tweet_id}
                self._malformed.append(Malformed(f"malformed:{item.tweet_id}", raw, item.reason))
            else:
                self.ignored += 1

    def take_malformed(self) -> list[Malformed]:
        """Tweets of the last page that could not be read."""
        out, self._malformed = self._malformed, []
        return out
