"""News feeds over HTTP: only Jakarta complaints kept, for review, once, never replied to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from config.settings import MediaMassaSettings
from connectors.media_massa.poll import MediaMassaPoller
from tests.fakes.feeds import FeedServer
from tests.fakes.intake_sink import MemorySink, poll_until_caught_up

FIXTURES = Path(__file__).parents[2] / "fixtures" / "media_massa"
RSS, ATOM, HTML = "application/rss+xml", "application/atom+xml", "text/html; charset=utf-8"


def _fixture(name: str, base: str) -> str:
    return (FIXTURES / name).read_text().replace("{BASE}", base)


@pytest.fixture
def news() -> Iterator[FeedServer]:
    server = FeedServer()
    base = server.base_url
    server.add("/rss/metro.xml", _fixture("rss_metro.xml", base), RSS)
    server.add("/atom.xml", _fixture("atom_warta.xml", base), ATOM)
    server.add(
        "/berita/4501/warga-keluhkan-jalan-berlubang-di-daan-mogot",
        _fixture("article_daan_mogot.html", base),
        HTML,
    )
    server.add("/berita/4502/timnas-menang", _fixture("article_timnas.html", base), HTML)
    server.add("/berita/4503/banjir-bekasi", _fixture("article_bekasi.html", base), HTML)
    yield server  # 4504 and the Atom article are missing: judged on the feed's summary
    server.close()


def _settings(server: FeedServer, *paths: str) -> MediaMassaSettings:
    return MediaMassaSettings(feeds=[server.base_url + p for p in paths], timeout_s=5)


def test_only_jakarta_complaints_are_kept_for_review(news: FeedServer) -> None:
    sink = MemorySink()
    poller = MediaMassaPoller(_settings(news, "/rss/metro.xml", "/atom.xml"))
    poll_until_caught_up("media_massa", poller, sink, max_fetches=1)
    base = news.base_url
    ids = sorted(ext for _, ext in sink.rows)
    assert ids == sorted(
        [
            f"{base}/berita/4501/warga-keluhkan-jalan-berlubang-di-daan-mogot",  # utm_* dropped
            f"{base}/berita/4504/sampah-kali-sunter",
            f"{base}/2026/11/23/lampu-pju-rawamangun",  # fragment dropped
        ]
    )
    assert poller.not_relevant == 2  # football in Jakarta, flooding in Bekasi
    road = next(m for m in sink.rows.values() if "4501" in m.external_id)
    assert road.reply_context["no_reply"] is True
    assert road.reply_context["article_url"] == road.external_id
    assert "duri kosambi" in road.reply_context["places"]
    assert "Lubang selebar hampir satu meter" in road.text  # article body, not the teaser
    assert "Berita Terkait" not in road.text and "Beranda" not in road.text
    assert road.sender.name == "Kabar Metro - Berita Terkini"
    assert road.received_at.isoformat() == "2026-11-23T01:15:00+00:00"


def test_second_poll_fetches_no_article_twice(news: FeedServer) -> None:
    sink = MemorySink()
    settings = _settings(news, "/rss/metro.xml")
    poll_until_caught_up("media_massa", MediaMassaPoller(settings), sink, max_fetches=1)
    pages_before = sum(p.startswith("/berita/") for p, _, _ in news.requests)
    poll_until_caught_up(
        "media_massa", MediaMassaPoller(settings), sink, max_fetches=1
    )  # a restarted process, same checkpoint
    assert sum(p.startswith("/berita/") for p, _, _ in news.requests) == pages_before
    assert len(sink.rows) == 2


def test_broken_feed_is_flagged_and_the_other_feeds_go_on(news: FeedServer) -> None:
    news.add("/rusak.xml", (FIXTURES / "not_a_feed.html").read_text(), "application/xml")
    sink = MemorySink()
    poller = MediaMassaPoller(_settings(news, "/rusak.xml", "/atom.xml"))
    poll_until_caught_up("media_massa", poller, sink, max_fetches=1)
    assert len(sink.rows) == 1
    [error] = sink.malformed.values()
    assert "127.0.0.1" in error


def test_feed_down_is_noted_and_retried(news: FeedServer) -> None:
    sink = MemorySink()
    poller = MediaMassaPoller(_settings(news, "/rss/metro.xml", "/hilang.xml"))
    poll_until_caught_up("media_massa", poller, sink, max_fetches=1)
    assert len(sink.rows) == 2
    assert "feeds failing" in sink.heartbeats[-1][2]
    assert list(sink.checkpoints["media_massa"]["feeds"]) == [news.base_url + "/rss/metro.xml"]


def test_links_to_other_hosts_are_never_fetched(news: FeedServer) -> None:
    feed = _fixture("rss_metro.xml", news.base_url).replace(
        f"{news.base_url}/berita/4502/timnas-menang", "http://169.254.169.254/latest/meta-data"
    )
    news.add("/rss/ssrf.xml", feed, RSS)
    MediaMassaPoller(_settings(news, "/rss/ssrf.xml")).fetch(None)
    assert not any("meta-data" in p for p, _, _ in news.requests)
