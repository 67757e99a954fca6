"""Pure parts: relevance, canonical URLs, feed parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.media_massa.parse import MalformedFeed, canonical_url, parse_feed
from connectors.media_massa.relevance import assess

FIXTURES = Path(__file__).parents[2] / "fixtures" / "media_massa"


@pytest.mark.parametrize(
    ("text", "relevant"),
    [
        ("Warga Sunter Agung mengeluhkan sampah menumpuk di Kali Sunter", True),
        ("Jalan berlubang di Jl. Raya Bogor, Kramat Jati, belum diperbaiki", True),
        ("Pemprov DKI: pungli di kantor kelurahan akan ditindak", True),
        ("Banjir rendam Bekasi Utara, petugas kerahkan perahu karet", False),  # not Jakarta
        ("Timnas menang di Stadion Gelora Bung Karno, Jakarta", False),  # no complaint
    ],
)
def test_jakarta_complaint_needs_both_a_complaint_and_a_place(text: str, relevant: bool) -> None:
    assert assess(text).relevant is relevant


def test_extra_keywords_from_settings_count() -> None:
    assert not assess("Antrean panjang di Samsat Jakarta Timur").relevant
    assert assess("Antrean panjang di Samsat Jakarta Timur", ("antrean panjang",)).relevant


def test_canonical_url_drops_tracking_and_fragment_keeps_real_query() -> None:
    url = "HTTPS://News.Example.co.id/read/123/?page=2&utm_source=rss&fbclid=abc#komentar"
    assert canonical_url(url) == "https://news.example.co.id/read/123?page=2"


def test_rss_and_atom_read_html_page_refused() -> None:
    outlet, entries = parse_feed((FIXTURES / "rss_metro.xml").read_bytes())
    assert outlet == "Kabar Metro - Berita Terkini" and len(entries) == 4
    assert entries[0].published is not None
    assert entries[0].published.isoformat() == "2026-11-23T01:15:00+00:00"
    _, atom = parse_feed((FIXTURES / "atom_warta.xml").read_bytes())
    assert atom[0].title.startswith("Lampu PJU di Jalan Pemuda")
    with pytest.raises(MalformedFeed):
        parse_feed((FIXTURES / "not_a_feed.html").read_bytes())


def test_a_body_that_names_a_local_file_is_not_read_from_disk() -> None:
    # feedparser opens a str/bytes argument that looks like a path: the body of a hostile
    # feed server must never make us parse (or leak) a file of this machine.
    body = str(FIXTURES / "atom_warta.xml").encode()
    with pytest.raises(MalformedFeed):
        parse_feed(body)


@pytest.mark.parametrize("body", [b"\x80\x81 not utf-8", b"nul\x00in the middle"])
def test_undecodable_bodies_are_malformed_feeds(body: bytes) -> None:
    with pytest.raises(MalformedFeed):
        parse_feed(body)
