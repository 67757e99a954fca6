"""Safe media download: provider hosts only, internal addresses refused, size and type limits."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.contract import AuthFailed, TemporarilyUnavailable
from connectors.media import (
    MediaPolicy,
    MediaRefused,
    fetch_media,
    origin_entry,
    pick_address,
    public_address,
    url_matches,
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


def policy(fake: FakeTwilio | None = None, **extra: object) -> MediaPolicy:
    # As the Twilio connector configures a non-default api_base_url: that host and port only.
    api = (origin_entry(fake.base_url),) if fake else ()
    values = {
        "allowed_hosts": ("api.twilio.com", ".twiliocdn.com"),
        "trusted_hosts": api,
        "credential_hosts": api,
        "auth": (SID, TOKEN),
        "max_bytes": 10_000,
    } | extra
    return MediaPolicy(**values)  # type: ignore[arg-type]


def test_photo_is_fetched_through_the_cdn_redirect_without_leaking_credentials(
    fake: FakeTwilio,
) -> None:
    data, content_type = fetch_media(fake.media_url("MM1", "ME1"), policy(fake))
    assert (data, content_type) == (JPEG, "image/jpeg")
    api_call, cdn_call = fake.calls
    assert api_call.basic_auth() == (SID, TOKEN)
    assert "authorization" not in cdn_call.headers  # the CDN hop never sees the account token


def test_oversized_media_is_refused(fake: FakeTwilio) -> None:
    fake.media["ME2"] = (JPEG * 10, "image/jpeg")
    with pytest.raises(MediaRefused, match="larger"):
        fetch_media(fake.media_url("MM1", "ME2"), policy(fake))


def test_wrong_content_type_is_refused(fake: FakeTwilio) -> None:
    fake.media["ME3"] = (b"MZ\x90\x00", "application/x-msdownload")
    with pytest.raises(MediaRefused, match="type"):
        fetch_media(fake.media_url("MM1", "ME3"), policy(fake))


def test_wrong_credentials_are_auth_failed(fake: FakeTwilio) -> None:
    with pytest.raises(AuthFailed):
        fetch_media(fake.media_url("MM1", "ME1"), policy(fake, auth=(SID, "wrong")))


def test_rate_limited_download_is_temporary_with_retry_after(fake: FakeTwilio) -> None:
    fake.fail_next("/Media/", Reply(429, "slow down", {"Retry-After": "12"}))
    with pytest.raises(TemporarilyUnavailable) as err:
        fetch_media(fake.media_url("MM1", "ME1"), policy(fake))
    assert err.value.retry_after == 12.0


def test_redirect_to_a_host_outside_the_allowlist_is_refused(fake: FakeTwilio) -> None:
    fake.fail_next("/Media/", Reply(302, headers={"Location": "http://169.254.169.254/latest/"}))
    with pytest.raises(MediaRefused):
        fetch_media(fake.media_url("MM1", "ME1"), policy(fake))


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


def test_trusted_provider_host_is_not_trusted_on_its_other_ports(fake: FakeTwilio) -> None:
    # The operator trusted the API at its configured port; a debug or admin service on another
    # port of the same machine must not be reachable through a MediaUrl or a redirect.
    with FakeTwilio(SID, TOKEN) as other_port:
        other_port.media["ME1"] = (JPEG, "image/jpeg")
        with pytest.raises(MediaRefused):
            fetch_media(other_port.media_url("MM1", "ME1"), policy(fake))
        fake.fail_next("/Media/", Reply(302, headers={"Location": other_port.base_url + "/x"}))
        with pytest.raises(MediaRefused):
            fetch_media(fake.media_url("MM1", "ME1"), policy(fake))
    assert other_port.calls == []
    assert fetch_media(fake.media_url("MM1", "ME1"), policy(fake))[0] == JPEG


def test_provider_cdn_on_a_non_default_port_is_refused_before_resolving() -> None:
    looked_up: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        looked_up.append(host)
        return ["54.172.60.1"]

    for url in ("https://mms.twiliocdn.com:8443/x.jpg", "https://api.twilio.com:22/x.jpg"):
        with pytest.raises(MediaRefused, match="provider"):
            fetch_media(url, policy(), resolver=resolver)
    assert looked_up == []


@pytest.mark.parametrize(
    ("url", "entries", "allowed"),
    [
        ("https://api.twilio.com/x", ("api.twilio.com",), True),
        ("https://api.twilio.com:443/x", ("api.twilio.com",), True),
        ("https://api.twilio.com:8443/x", ("api.twilio.com",), False),
        ("http://api.twilio.com/x", ("api.twilio.com",), True),  # http's default port 80
        ("http://api.twilio.com:443/x", ("api.twilio.com",), False),
        ("https://s3.twiliocdn.com/x", (".twiliocdn.com",), True),
        ("https://s3.twiliocdn.com:9000/x", (".twiliocdn.com",), False),
        ("http://127.0.0.1:8123/x", ("127.0.0.1:8123",), True),
        ("http://127.0.0.1:8124/x", ("127.0.0.1:8123",), False),
        ("http://127.0.0.1/x", ("127.0.0.1:8123",), False),
        ("http://[::1]:8123/x", ("[::1]:8123",), True),
        ("http://[::1]:8124/x", ("[::1]:8123",), False),
    ],
)
def test_allow_list_entries_hold_on_one_port(
    url: str, entries: tuple[str, ...], allowed: bool
) -> None:
    assert url_matches(httpx.URL(url), entries) is allowed


def test_origin_entry_of_configured_base_urls() -> None:
    assert origin_entry("https://api.twilio.com/2010-04-01") == "api.twilio.com"
    assert origin_entry("https://api.twilio.com:443") == "api.twilio.com"
    assert origin_entry("http://127.0.0.1:8123/") == "127.0.0.1:8123"
    assert origin_entry("https://graph.example.net:8443/v21.0") == "graph.example.net:8443"
    assert origin_entry("http://[::1]:9000") == "[::1]:9000"
