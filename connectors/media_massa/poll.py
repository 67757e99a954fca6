"""Poller over the configured news feeds: new entries -> article text -> Jakarta complaints."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar
from urllib.parse import urlsplit

import httpx
import structlog

from config.settings import MediaMassaSettings
from connectors.contract import AuthFailed, BadConfig, InboundMessage, TemporarilyUnavailable
from connectors.media import MediaPolicy, MediaRefused, fetch_media, origin_entry
from connectors.media_massa.parse import (
    CHANNEL,
    Article,
    FeedEntry,
    MalformedFeed,
    article_message,
    canonical_url,
    extract_article,
    parse_feed,
)
from connectors.media_massa.relevance import assess
from connectors.poll_loop import Malformed

log = structlog.get_logger(__name__)
SEEN_KEPT = 500  # links remembered per feed: more than any feed lists at once
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/xml",
        "text/xml",
        "application/rdf+xml",
    }
)
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _site(host: str) -> str:
    """'news.example.co.id' -> '.example.co.id': articles may live on a sibling subdomain."""
    labels = host.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in {"co", "or", "go", "ac", "web", "my"} else 2
    return "." + ".".join(labels[-keep:])


class MediaMassaPoller:
    """Reads every feed once per fetch; the cursor keeps each feed's recently seen links."""

    channel: ClassVar[str] = CHANNEL

    def __init__(self, settings: MediaMassaSettings, fetch: Any = None) -> None:
        bad = [u for u in settings.feeds if not u.startswith(("https://", "http://"))]
        if not settings.feeds or bad:
            raise BadConfig("INTAKE_MEDIA_MASSA__FEEDS", f"need http(s) feed URLs, got {bad}")
        self.settings = settings
        # host:port for a feed off the default port: trusted on that port only.
        hosts = tuple(sorted({origin_entry(u).lower() for u in settings.feeds}))
        sites = {_site(_host(u)) for u in settings.feeds}
        allowed = hosts + tuple(sorted(sites)) + tuple(settings.extra_article_hosts)
        # Feed and article URLs come from configured outlets only (no SSRF through a feed link);
        # the configured feed hosts are the operator's choice and may be private (tests).
        self._feed_policy = MediaPolicy(
            allowed_hosts=hosts,
            trusted_hosts=hosts,
            content_types=FEED_TYPES,
            max_bytes=5_000_000,
            timeout_s=settings.timeout_s,
        )
        self._page_policy = MediaPolicy(
            allowed_hosts=allowed,
            trusted_hosts=hosts,
            content_types=HTML_TYPES,
            max_bytes=settings.max_article_bytes,
            timeout_s=settings.timeout_s,
        )
        self._fetch = fetch or fetch_media
        self._malformed: list[Malformed] = []
        self.has_more = False
        self.note = ""
        self.not_relevant = 0

    def fetch(self, cursor: dict[str, Any] | None) -> tuple[list[InboundMessage], dict[str, Any]]:
        """New relevant articles of all feeds; a feed that fails is retried next time."""
        feeds = dict((cursor or {}).get("feeds", {}))
        msgs: list[InboundMessage] = []
        failed: list[str] = []
        for url in self.settings.feeds:
            try:
                found, seen = self._read_feed(url, list(feeds.get(url, {}).get("seen", [])))
            except (TemporarilyUnavailable, MediaRefused, AuthFailed, httpx.HTTPError) as exc:
                failed.append(f"{_host(url)}: {str(exc)[:80]}")
                continue
            msgs.extend(found)
            feeds[url] = {"seen": seen[-SEEN_KEPT:]}
        if failed and len(failed) == len(self.settings.feeds):
            raise TemporarilyUnavailable("every news feed failed: " + "; ".join(failed))
        self.note = ("feeds failing: " + "; ".join(failed)) if failed else ""
        return msgs, {"feeds": feeds}

    def _read_feed(self, url: str, seen: list[str]) -> tuple[list[InboundMessage], list[str]]:
        body, _ = self._fetch(url, self._feed_policy)
        try:
            outlet, entries = parse_feed(body)
        except MalformedFeed as exc:
            digest = hashlib.sha256(body).hexdigest()
            self._malformed.append(
                Malformed(
                    f"malformed:feed:{digest}",
                    body.decode("utf-8", "replace")[:200_000],
                    f"{_host(url)}: {exc}",
                )
            )
            return [], seen
        known = set(seen)
        msgs = []
        for entry in entries[: self.settings.max_entries_per_feed]:
            link = canonical_url(entry.link)
            if link in known:
                continue
            msg = self._article(entry, outlet or _host(url), url)
            if msg is not False:  # False: page not reachable now, try again next poll
                seen.append(link)
                known.add(link)
                if msg is not None:
                    msgs.append(msg)
        return msgs, seen

    def _article(
        self, entry: FeedEntry, outlet: str, feed_url: str
    ) -> InboundMessage | None | bool:
        try:
            page, _ = self._fetch(entry.link, self._page_policy)
        except (MediaRefused, AuthFailed) as exc:  # off-site, paywalled, not HTML: use summary
            log.info("media_massa_article_refused", reason=str(exc)[:100])
            page = b""
        except TemporarilyUnavailable:
            return False
        article = extract_article(page.decode("utf-8", "replace"), entry.link) if page else None
        if article is None or not article.text:
            article = Article(text="", canonical=canonical_url(entry.link))
        relevance = assess(
            f"{entry.title}\n{article.text or entry.summary}", tuple(self.settings.extra_keywords)
        )
        if not relevance.relevant:
            self.not_relevant += 1
            return None
        return article_message(entry, article, relevance, outlet=outlet, feed_url=feed_url)

    def take_malformed(self) -> list[Malformed]:
        """Feeds of the last fetch that were not RSS/Atom."""
        out, self._malformed = self._malformed, []
        return out
