"""Parser crashes the fuzzers found, pinned until the owners fix them (strict xfail)."""

from __future__ import annotations

import pytest

from connectors.facebook.parse import parse_payload
from connectors.twitter.parse import parse_page
from tests.fuzz.mutate import fixture


@pytest.mark.xfail(
    strict=True,
    reason="bug: connectors/twitter/parse.py _index calls .get on a null member of "
    "includes.users/places/media, parse_page raises AttributeError (not caught per tweet), so "
    "the poller retries the same page forever and every later mention waits",
)
def test_null_in_includes_users_skips_nothing_else() -> None:
    page = fixture("twitter/mentions_page.json")
    page["includes"]["users"].append(None)
    msgs, _ = parse_page(page, "1500000000000000001")
    assert msgs


@pytest.mark.xfail(
    strict=True,
    reason="bug: connectors/twitter/parse.py parse_page: a `data` member that is not an object "
    "raises AttributeError in its own except branch (tweet.get) instead of a malformed Skipped",
)
def test_non_object_tweet_is_skipped_as_malformed() -> None:
    page = fixture("twitter/mentions_page.json")
    page["data"].append(7)
    msgs, skipped = parse_page(page, "1500000000000000001")
    assert msgs and any(s.malformed for s in skipped)


@pytest.mark.xfail(
    strict=True,
    reason="bug: connectors/facebook/parse.py parse_payload calls entry.get on an `entry` "
    "member that is not an object: AttributeError, which webhook.py does not catch (500)",
)
def test_meta_entry_that_is_not_an_object_is_malformed_not_a_crash() -> None:
    payload = fixture("facebook/messenger_text.json")
    payload["entry"].append(1)
    parsed = parse_payload(payload)
    assert len(parsed.messages) == 1


@pytest.mark.xfail(
    strict=True,
    reason="bug: connectors/facebook/parse.py parse_payload iterates a non-list `entry` "
    "(e.g. a number): TypeError, which webhook.py does not catch (500, Meta retries for hours)",
)
def test_meta_entry_that_is_not_a_list_is_refused_as_value_error() -> None:
    with pytest.raises(ValueError):
        parse_payload({"object": "page", "entry": 7})
