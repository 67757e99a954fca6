"""Parser crashes the fuzzers found, kept as regression tests now that they are fixed."""

from __future__ import annotations

import pytest

from connectors.email.parse import MalformedEmail, parse_email
from connectors.facebook.parse import parse_payload
from connectors.twitter.parse import parse_page
from tests.fuzz.mutate import fixture


def test_null_in_includes_users_skips_nothing_else() -> None:
    """A null member of includes.users used to crash the whole page (the poller retried it forever)."""
    page = fixture("twitter/mentions_page.json")
    page["includes"]["users"].append(None)
    msgs, _ = parse_page(page, "1500000000000000001")
    assert msgs


def test_non_object_tweet_is_skipped_as_malformed() -> None:
    """A `data` member that is not an object is stored flagged; the rest of the page goes on."""
    page = fixture("twitter/mentions_page.json")
    page["data"].append(7)
    msgs, skipped = parse_page(page, "1500000000000000001")
    assert msgs and any(s.malformed for s in skipped)


def test_meta_entry_that_is_not_an_object_is_malformed_not_a_crash() -> None:
    """A Meta `entry` member that is not an object is malformed, not a 500."""
    payload = fixture("facebook/messenger_text.json")
    payload["entry"].append(1)
    parsed = parse_payload(payload)
    assert len(parsed.messages) == 1


def test_meta_entry_that_is_not_a_list_is_refused_as_value_error() -> None:
    """A Meta `entry` that is not a list is refused as a malformed body (ValueError)."""
    with pytest.raises(ValueError):
        parse_payload({"object": "page", "entry": 7})


#: A complaint whose Subject names a charset with a non-ASCII byte in an RFC 2047 encoded word.
ODD_CHARSET_SUBJECT = (
    b"From: warga@example.org\r\nMessage-ID: <odd-charset-subject@example.org>\r\n"
    b"Subject: =?\xa0iso-8859-1?q?Jalan_rusak?=\r\n"
    b'Content-Type: text/plain; charset="\xa0iso-8859-1"\r\n\r\n'
    b"Jalan rusak di Jl. Pemuda Rawamangun, mohon diperbaiki\r\n"
)


def test_odd_charset_in_subject_is_stored_or_flagged() -> None:
    """An encoded word with a non-ASCII charset name: the raw subject is kept, not a crash."""
    try:
        parsed = parse_email(ODD_CHARSET_SUBJECT)
    except MalformedEmail:
        return
    assert "Jalan rusak" in parsed.message.text
