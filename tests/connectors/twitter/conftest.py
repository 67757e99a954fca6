"""Fixtures: the recorded mentions page and a fake X API serving it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from config.settings import TwitterSettings
from tests.fakes.x_api import FakeXApi

PAGE = Path(__file__).parents[2] / "fixtures" / "twitter" / "mentions_page.json"
ACCOUNT_ID = "1182910023"  # @DKIJakarta in the recorded page


def recorded_page() -> dict[str, Any]:
    """The recorded mentions page (fresh copy)."""
    return json.loads(PAGE.read_text())


@pytest.fixture
def fake_x() -> Iterator[FakeXApi]:
    """A fake X API holding the recorded page."""
    api = FakeXApi()
    api.load_page(recorded_page())
    yield api
    api.close()


@pytest.fixture
def twitter_settings(fake_x: FakeXApi) -> TwitterSettings:
    """Settings pointing tweepy at the fake API."""
    return TwitterSettings(
        bearer_token="test-bearer",
        consumer_key="ck",
        consumer_secret="cs",  # type: ignore[arg-type]
        access_token="at",
        access_token_secret="ats",  # type: ignore[arg-type]
        user_id=ACCOUNT_ID,
        api_base_url=fake_x.base_url,
        max_results=5,
        backfill_hours=24 * 3650,
        timeout_s=5,
    )
