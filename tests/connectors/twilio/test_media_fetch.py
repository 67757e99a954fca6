"""MediaUrlN downloads: this account's media only, credentials only to the API host, limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from config.settings import Settings, TwilioSettings
from connectors.contract import MediaRef
from connectors.media import MediaRefused
from connectors.twilio import build_media_fetcher
from tests.fakes.twilio_api import FakeTwilio

SID, TOKEN = "AC" + "a" * 32, "test-auth-token"
PHOTO = b"\xff\xd8\xff\xe1" + b"\x10" * 4096


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        server.media["ME0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d"] = (PHOTO, "image/jpeg")
        yield server


def fetcher(fake: FakeTwilio, max_bytes: int = 5_000_000):  # type: ignore[no-untyped-def]
    tw = TwilioSettings(
        account_sid=SID,
        auth_token=SecretStr(TOKEN),
        api_base_url=fake.base_url,
        max_media_bytes=max_bytes,
    )
    fetch = build_media_fetcher(Settings(twilio=tw))
    assert fetch is not None
    return fetch


def test_whatsapp_photo_is_downloaded_with_the_account_credentials(fake: FakeTwilio) -> None:
    url = fake.media_url("MM5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b", "ME0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d")
    data, content_type = fetcher(fake)(MediaRef(url=url, content_type="image/jpeg"))
    assert (data, content_type) == (PHOTO, "image/jpeg")
    assert fake.calls[0].basic_auth() == (SID, TOKEN)
    assert "authorization" not in fake.calls[1].headers


def test_photo_over_the_limit_is_refused(fake: FakeTwilio) -> None:
    url = fake.media_url("MM5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b", "ME0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d")
    with pytest.raises(MediaRefused, match="larger"):
        fetcher(fake, max_bytes=1024)(MediaRef(url=url))


def test_other_accounts_and_other_resources_never_get_the_credentials(fake: FakeTwilio) -> None:
    other_account = fake.media_url("MM1", "ME1").replace(SID, "AC" + "c" * 32)
    messages_list = f"{fake.base_url}/2010-04-01/Accounts/{SID}/Messages.json"
    for url in (other_account, messages_list, "https://evil.example/2010-04-01/Accounts/x"):
        with pytest.raises(MediaRefused, match="not a Twilio media URL"):
            fetcher(fake)(MediaRef(url=url))
    assert fake.calls == []


def test_no_fetcher_without_credentials() -> None:
    assert build_media_fetcher(Settings()) is None
