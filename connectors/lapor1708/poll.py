"""Poller for a partner JSON feed of LAPOR! reports: URL, token, field mapping, cursor."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

import httpx

from config.settings import Lapor1708Settings
from connectors.contract import (
    AuthFailed,
    BadConfig,
    ConnectorError,
    InboundMessage,
    TemporarilyUnavailable,
)
from connectors.lapor1708.parse import CHANNEL, parse_record, resolve_columns
from connectors.media import retry_after_seconds
from connectors.poll_loop import Malformed


def dig(document: Any, path: str) -> Any:
    """The value at a dotted path ("result.items"); None when any step is missing."""
    for part in filter(None, path.split(".")):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


class LaporFeedPoller:
    """Fetches one page after the saved cursor; the feed's own cursor is the checkpoint."""

    channel: ClassVar[str] = CHANNEL

    def __init__(self, settings: Lapor1708Settings, client: httpx.Client | None = None) -> None:
        if not settings.feed_url.startswith(("https://", "http://")):
            raise BadConfig("INTAKE_LAPOR1708__FEED_URL", "must be an http(s) URL")
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout_s, follow_redirects=False)
        self._malformed: list[Malformed] = []
        self.has_more = False
        self.note = ""

    def _headers(self) -> dict[str, str]:
        s = self.settings
        token = s.token.get_secret_value() if s.token else ""
        return (
            {s.token_header: f"{s.token_prefix}{token}", "Accept": "application/json"}
            if token
            else {"Accept": "application/json"}
        )

    def _get(self, cursor: str | None) -> httpx.Response:
        s = self.settings
        params: dict[str, Any] = {s.limit_param: s.page_size}
        if cursor:
            params[s.cursor_param] = cursor
        try:
            resp = self.client.get(s.feed_url, params=params, headers=self._headers())
        except httpx.TransportError as exc:
            raise TemporarilyUnavailable(f"LAPOR feed unreachable: {type(exc).__name__}") from exc
        if resp.status_code in (401, 403):
            raise AuthFailed(
                f"LAPOR feed refused the token (INTAKE_LAPOR1708__TOKEN): {resp.status_code}"
            )
        if resp.status_code == 429 or resp.status_code >= 500:
            raise TemporarilyUnavailable(
                f"LAPOR feed answered {resp.status_code}", retry_after_seconds(resp.headers)
            )
        if resp.status_code != 200:
            raise ConnectorError(f"LAPOR feed answered {resp.status_code}")
        return resp

    def fetch(self, cursor: dict[str, Any] | None) -> tuple[list[InboundMessage], dict[str, Any]]:
        """Reports after the cursor; a page that is not the expected JSON is retried later."""
        previous = (cursor or {}).get("cursor")
        resp = self._get(previous)
        try:
            page = resp.json()
            items = dig(page, self.settings.items_path)
            if not isinstance(items, list):
                raise ValueError(f"no list at {self.settings.items_path!r}")
        except ValueError as exc:
            # Without a readable page there is no next cursor either: keep the body for ops,
            # keep the cursor, and try again after a backoff.
            digest = hashlib.sha256(resp.content).hexdigest()
            self._malformed.append(
                Malformed(
                    f"malformed:page:{digest}", resp.text[:200_000], f"feed page unreadable: {exc}"
                )
            )
            raise TemporarilyUnavailable(f"LAPOR feed page unreadable: {exc}") from exc
        msgs = self._parse(items)
        next_cursor = dig(page, self.settings.next_cursor_path)
        self.has_more = bool(next_cursor) and next_cursor != previous and bool(items)
        self.note = ""
        return msgs, {"cursor": next_cursor or previous}

    def _parse(self, items: list[Any]) -> list[InboundMessage]:
        msgs = []
        for item in items:
            if not isinstance(item, dict):
                self._bad(item, "report is not an object")
                continue
            columns = resolve_columns(list(item), self.settings.field_map)
            try:
                msgs.append(parse_record(item, columns, via="feed"))
            except ValueError as exc:
                self._bad(item, str(exc))
        return msgs

    def _bad(self, item: Any, error: str) -> None:
        digest = hashlib.sha256(repr(item).encode()).hexdigest()[:32]
        raw = item if isinstance(item, dict) else {"value": repr(item)[:10_000]}
        self._malformed.append(Malformed(f"malformed:feed:{digest}", raw, error))

    def take_malformed(self) -> list[Malformed]:
        """Items (or pages) of the last fetch that could not be read."""
        out, self._malformed = self._malformed, []
        return out
