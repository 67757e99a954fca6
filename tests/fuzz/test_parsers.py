"""Fuzzing every provider parser, the MIME parser, the address parser and the photo checks.

Each parser may refuse input only with the errors its caller handles (the caller stores the
payload as malformed or counts it as ignored); anything else would be a 500 to the provider or a
poller that stops. Hypothesis' deadline (5 s) catches inputs that hang a parser.
"""

from __future__ import annotations

import contextlib
import email.errors
import io
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from connectors.contract import InboundMessage, UnsupportedEvent
from connectors.email.parse import MalformedEmail, parse_email
from connectors.facebook.parse import parse_payload
from connectors.lapor1708.parse import parse_record, resolve_columns
from connectors.media_massa.parse import MalformedFeed, extract_article, parse_feed
from connectors.telegram.parse import parse_update
from connectors.twilio.parse import parse_form
from connectors.twitter.parse import parse_page
from normalizers.address import parse_address
from normalizers.photos import inspect_photo, strip_exif, thumbnail
from tests.fuzz.mutate import FIXTURES, fixture, mutated, mutated_form

FUZZ = settings(
    max_examples=150,
    # 5 s, not 1 s: a hang still fails, but a first call (trafilatura warming up) on a machine
    # busy with parallel test workers took 2.4 s once (bench/faults.py fuzzes with 5 s too).
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TELEGRAM = [fixture(f"telegram/{p.name}") for p in sorted((FIXTURES / "telegram").glob("*.json"))]
FACEBOOK = [fixture(f"facebook/{p.name}") for p in sorted((FIXTURES / "facebook").glob("*.json"))]
TWILIO = [fixture(f"twilio/{p.name}") for p in sorted((FIXTURES / "twilio").glob("*.json"))]
LAPOR_ITEMS = [i for n in (1, 2) for i in fixture(f"lapor1708/feed_page_{n}.json")["data"]]
EMAILS = [p.read_bytes() for p in sorted((FIXTURES / "email").glob("*.eml"))]
FEEDS = [(FIXTURES / "media_massa" / n).read_bytes() for n in ("rss_metro.xml", "atom_warta.xml")]
ARTICLE = (FIXTURES / "media_massa" / "article_bekasi.html").read_text(encoding="utf-8")


def _is_message(value: Any) -> None:
    assert isinstance(value, InboundMessage) and value.external_id


@FUZZ
@given(st.sampled_from(TWILIO).flatmap(mutated_form))
def test_twilio_form(form: dict[str, str]) -> None:
    # webhook.py: UnsupportedEvent is ignored, ValueError/TypeError stored as malformed
    with contextlib.suppress(UnsupportedEvent, ValueError, TypeError):
        _is_message(parse_form(form))


@FUZZ
@given(st.sampled_from(TELEGRAM).flatmap(mutated))
def test_telegram_update(update: Any) -> None:
    # webhook.py catches exactly these and stores the body as malformed
    with contextlib.suppress(UnsupportedEvent, KeyError, TypeError, ValueError, AttributeError):
        _is_message(parse_update(update))


@FUZZ
@given(st.sampled_from(FACEBOOK).flatmap(mutated))
def test_meta_payload(payload: Any) -> None:
    try:
        parsed = parse_payload(payload)
    except ValueError:  # webhook.py: the whole body stored as malformed
        return
    for msg in parsed.messages:
        _is_message(msg)


@FUZZ
@given(mutated(fixture("twitter/mentions_page.json")))
def test_twitter_page(page: Any) -> None:
    if not isinstance(page, dict):
        return  # the client hands over decoded JSON objects only
    msgs, skipped = parse_page(page, "1500000000000000001")
    for msg in msgs:
        _is_message(msg)
    assert all(s.reason for s in skipped)


@FUZZ
@given(st.sampled_from(LAPOR_ITEMS).flatmap(mutated))
def test_lapor_record(record: Any) -> None:
    if not isinstance(record, dict):
        return  # the poller only hands over objects of the feed's data list
    columns = resolve_columns([str(k) for k in record])
    with contextlib.suppress(ValueError):  # poll.py and importer.py store it as malformed
        _is_message(parse_record(record, columns, via="feed"))


def _spliced(data: bytes) -> st.SearchStrategy[bytes]:
    """The bytes cut, with random bytes inserted or overwritten somewhere."""
    n = len(data)
    return st.tuples(st.integers(0, n), st.integers(0, n), st.binary(max_size=64)).map(
        lambda t: data[: min(t[0], t[1])] + t[2] + data[max(t[0], t[1]) :]
    )


@FUZZ
@given(st.one_of(st.sampled_from(EMAILS).flatmap(_spliced), st.binary(max_size=3000)))
def test_mime_parser(raw: bytes) -> None:
    try:
        parsed = parse_email(raw)
    except (UnsupportedEvent, MalformedEmail):  # poll.py: ignored / stored as malformed
        return
    except email.errors.CharsetError:  # known bug, pinned in test_known_bugs.py (strict xfail)
        return
    _is_message(parsed.message)


@FUZZ
@given(st.one_of(st.sampled_from(FEEDS).flatmap(_spliced), st.binary(max_size=2000)))
def test_news_feed(body: bytes) -> None:
    try:
        _, entries = parse_feed(body)
    except MalformedFeed:
        return
    assert all(isinstance(e.link, str) for e in entries)


@FUZZ
@given(_spliced(ARTICLE.encode()).map(lambda b: b.decode("utf-8", "replace")))
def test_article_extraction(html: str) -> None:
    article = extract_article(html, "https://warta.example.id/berita/1")
    assert isinstance(article.text, str)


PATHOLOGICAL = st.sampled_from(
    ["jl. " * 400, "kel. kec. " * 300, "RT 01 RW 02 " * 200, "a" * 5000, "Menteng-" * 500]
)


@FUZZ
@given(st.one_of(st.text(max_size=2000), PATHOLOGICAL))
def test_address_parser(text: str) -> None:
    match = parse_address(text)
    assert 0.0 <= match.confidence <= 1.0


def _photo(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (48, 32), (30, 120, 200)).save(buf, fmt)
    return buf.getvalue()


PHOTOS = [_photo("JPEG"), _photo("PNG"), _photo("WEBP")]


@FUZZ
@given(st.sampled_from(PHOTOS).flatmap(_spliced))
def test_photo_checks(data: bytes) -> None:
    info = inspect_photo(data)
    assert info.ok or info.reason.split(":")[0] in {
        "too_large",
        "unsupported_type",
        "decompression_bomb",
        "corrupt",
    }
    if info.ok:  # what passed the check must survive the later steps too
        try:
            strip_exif(data)
            thumbnail(data)
        except OSError as exc:
            pytest.fail(f"inspect_photo accepted a photo strip_exif/thumbnail reject: {exc}")


def test_fixtures_are_found() -> None:
    assert TELEGRAM and FACEBOOK and TWILIO and LAPOR_ITEMS and EMAILS and len(PHOTOS) == 3
    assert json.dumps(LAPOR_ITEMS[0])
    assert Path(FIXTURES).is_dir()
