"""News feeds and articles -> InboundMessage for admin review (pure; never replied to)."""

from __future__ import annotations

import calendar
import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import feedparser
import trafilatura

from connectors.contract import InboundMessage, Sender
from connectors.media_massa.relevance import Relevance

CHANNEL = "media_massa"
MAX_TEXT = 8000
# Query parameters that only track where a reader came from; the article is the same without.
_TRACKING = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "src", "cmpid", "_ga")


class MalformedFeed(ValueError):
    """The body is not an RSS/Atom feed we can read."""


@dataclass(frozen=True)
class FeedEntry:
    """One item of a feed."""

    link: str
    title: str
    summary: str
    published: datetime | None


def canonical_url(url: str) -> str:
    """Scheme and host lower-cased, fragment and tracking parameters gone, no trailing slash."""
    parts = urlsplit(url.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING)
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urlencode(query), ""))


def article_id(url: str) -> str:
    """The inbox external id: the canonical URL (a digest when longer than the column)."""
    return url if len(url) <= 255 else "sha256:" + hashlib.sha256(url.encode()).hexdigest()


def parse_feed(body: bytes) -> tuple[str, list[FeedEntry]]:
    """(outlet title, entries) of an RSS or Atom document; MalformedFeed when nothing is usable."""
    # A stream, never the bytes themselves: feedparser.parse treats a str/bytes argument that
    # looks like a path or URL as one to open (a hostile body like b"/etc/passwd" would be
    # read from disk), and raises on undecodable or NUL-containing "names".
    try:
        parsed = feedparser.parse(io.BytesIO(body))
    except (ValueError, UnicodeError) as exc:
        raise MalformedFeed(f"not a feed: {type(exc).__name__}") from exc
    entries = [e for e in parsed.entries if e.get("link")]
    if parsed.bozo and not entries:
        raise MalformedFeed(f"not a feed: {type(parsed.get('bozo_exception')).__name__}")
    if not parsed.get("version") and not entries:
        raise MalformedFeed("no RSS/Atom document")
    return str(parsed.feed.get("title", "")), [_entry(e) for e in entries]


def _entry(entry: Any) -> FeedEntry:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    published = datetime.fromtimestamp(calendar.timegm(stamp), UTC) if stamp else None
    return FeedEntry(
        link=str(entry.get("link")),
        title=str(entry.get("title", "")).strip(),
        summary=str(entry.get("summary", "")),
        published=published,
    )


@dataclass(frozen=True)
class Article:
    """The readable text of an article page and the canonical URL it declares."""

    text: str
    canonical: str


def extract_article(html: str, url: str) -> Article:
    """Main text via trafilatura; the page's own rel=canonical when it names one."""
    text = (
        trafilatura.extract(
            html, url=url, include_comments=False, include_tables=False, favor_precision=True
        )
        or ""
    )
    meta = trafilatura.extract_metadata(html, default_url=url)
    declared = str(getattr(meta, "url", "") or "")
    same_site = urlsplit(declared).netloc.lower().removeprefix("www.") == urlsplit(
        url
    ).netloc.lower().removeprefix("www.")
    return Article(text=text.strip(), canonical=canonical_url(declared if same_site else url))


def article_message(
    entry: FeedEntry, article: Article, relevance: Relevance, *, outlet: str, feed_url: str
) -> InboundMessage:
    """The message admins review: always flagged no_reply, with the article link."""
    body = article.text or entry.summary
    text = f"{entry.title}\n\n{body}".strip()[:MAX_TEXT]
    extra: dict[str, Any] = {"received_at": entry.published} if entry.published else {}
    return InboundMessage(
        channel=CHANNEL,
        external_id=article_id(article.canonical),
        sender=Sender(name=outlet[:200]),
        text=text,
        conversation_id=article.canonical[:255],
        reply_context={
            "no_reply": True,
            "article_url": article.canonical,
            "feed": feed_url,
            "complaint_words": list(relevance.complaint_words),
            "places": list(relevance.places),
        },
        raw={
            "title": entry.title,
            "link": entry.link,
            "feed": feed_url,
            "extracted": bool(article.text),
        },
        **extra,
    )
