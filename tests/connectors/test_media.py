"""Safe media download: provider hosts only, internal addresses refused, size and type limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.contract import AuthFailed, TemporarilyUnavailable
from connectors.media import (
    MediaPolicy,
    MediaRefused,
    fetch_media,
    pick_address,
    public_address,
)
from tests.fakes.http_fake import Reply
from tests.fakes.twilio_api import FakeTwilio

SID, TOKEN = "AC" + "a" * 32, "test-auth-token"
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(SID, TOKEN) as server:
        server.media["ME1"] = (JPEG, "image/jpeg")
        yield server


def policy(**extra: object) -> MediaPolicy:
    values = {
        "allowed_hosts": ("api.twilio.com", ".twiliocdn.com"),
        "trusted_hosts": ("127.0.0.1",),
        "credential_hosts": ("127.0.0.1",),
        "auth": (SID, TOKEN),
        "max_bytes": 10_000,
    } | extra
    return MediaPolicy(**values)  # type: ignore[arg-type]


def test_photo_is_fetched_through_the_cdn_redirect_without_leaking_credentials(
    fake: FakeTwilio,
) -> None:
    data, content_type = fetch_media(fake.media_url("MM1", "ME1"), policy())
    assert (data, content_type) == (JPEG, "image/jpeg")
    api_call, cdn_call = fake.calls
    assert api_call.basic_auth() == (SID, TOKEN)
    assert "authorization" not in cdn_call.headers  # the CDN hop never sees the account token


def test_oversized_media_is_refused(fake: FakeTwilio) -> None:
    fake.media["ME2"] = (JPEG * 10, "image/jpeg")
    with pytest.raises(MediaRefused, match="larger"):
        fetch_media(fake.media_url("MM1", "ME2"), policy())


def test_wrong_content_type_is_refused(fake: FakeTwilio) -> None:
    fake.media["ME3"] = (b"MZ\x90\x00", "application/x-msdownload")
    with pytest.raises(MediaRefused, match="type"):
        fetch_media(fake.media_url("MM1", "ME3"), policy())


def test_wrong_credentials_are_auth_failed(fake: FakeTwilio) -> None:
    with pytest.raises(AuthFailed):
        fetch_media(fake.media_url("MM1", "ME1"), policy(auth=(SID, "wrong")))


def test_rate_limited_download_is_temporary_with_retry_after(fake: FakeTwilio) -> None:
    fake.fail_next("/Media/", Reply(429, "slow down", {"Retry-After": "12"}))
    with pytest.raises(TemporarilyUnavailable) as err:
        fetch_media(fake.media_url("MM1", "ME1"), policy())
    assert err.value.retry_after == 12.0


def test_redirect_to_a_host_outside_the_allowlist_is_refused(fake: FakeTwilio) -> None:
    fake.fail_next("/Media/", Reply(302, headers={"Location": "http://169.254.169.254/latest/"}))
    with pytest.raises(MediaRefused):
        fetch_media(fake.media_url("MM1", "ME1"), policy())


def test_allowed_name_resolving_to_an_internal_address_is_refused() -> None:
    def rebinding(host: str, port: int) -> list[str]:
        return ["10.0.0.7"]

    with pytest.raises(MediaRefused, match="internal"):
        fetch_media("https://mms.twiliocdn.com/x.jpg", policy(), resolver=rebinding)


def test_plain_http_and_unknown_hosts_are_refused_before_any_request() -> None:
    with pytest.raises(MediaRefused, match="https"):
        fetch_media("http://mms.twiliocdn.com/x.jpg", policy())
    with pytest.raises(MediaRefused, match="provider"):
        fetch_media("https://evil.example/x.jpg", policy())
    with pytest.raises(MediaRefused, match="provider"):
        fetch_media("https://api.twilio.com.evil.example/x.jpg", policy())


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("::1", False),
        ("fe80::1", False),
        ("::ffff:127.0.0.1", False),
        ("100.64.0.1", False),
        ("54.172.60.0", True),
        ("2600:1f18::1", True),
    ],
)
def test_public_address(ip: str, public: bool) -> None:
    assert public_address(ip) is public


def test_ipv4_is_preferred_when_a_host_has_both() -> None:
    def both(host: str, port: int) -> list[str]:
        return ["2600:1f18::1", "54.172.60.1"]

    assert pick_address("mms.twiliocdn.com", 443, trusted=False, resolver=both) == "54.172.60.1"
