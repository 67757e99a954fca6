"""SSRF through citizen-supplied media URLs: internal addresses, their disguises, redirects.

A Messenger attachment URL is whatever the webhook body says (Meta signs the body, but a leaked
app secret or a compromised proxy would let anyone choose it). Each hostile URL goes through
the real webhook, the worker and the media fetcher; a canary server on loopback counts any
request that got through. Unit tests of the policy are in tests/connectors/test_media.py.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from connectors.contract import TemporarilyUnavailable
from connectors.media import MediaPolicy, MediaRefused, fetch_media
from pipeline.models import Attachment, Report
from tests.fakes.feeds import FeedServer
from tests.fakes.http_fake import Reply
from tests.reliability.chat_web import served_chat_web
from tests.reliability.settle import rows, settle


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 90)).save(buf, "JPEG")
    return buf.getvalue()


@pytest.fixture
def canary() -> Iterator[FeedServer]:
    """An 'internal service' on loopback: any request it sees is a successful SSRF."""
    server = FeedServer()
    server.add("/secret.jpg", _jpeg(), "image/jpeg")
    yield server
    server.close()


def hostile_urls(port: int) -> list[str]:
    return [
        f"http://127.0.0.1:{port}/secret.jpg",  # plain http to the canary's own address form
        f"https://[::1]:{port}/secret.jpg",
        f"https://[::ffff:127.0.0.1]:{port}/secret.jpg",
        f"https://2130706433:{port}/secret.jpg",  # decimal 127.0.0.1
        f"https://0x7f000001:{port}/secret.jpg",  # hexadecimal
        f"https://0177.0.0.1:{port}/secret.jpg",  # octal
        f"https://127.1:{port}/secret.jpg",  # short form
        "https://169.254.169.254/latest/meta-data/iam/security-credentials/",
        f"https://user:pass@scontent.xx.fbcdn.net:{port}/secret.jpg",
        "file:///etc/passwd",
        f"gopher://127.0.0.1:{port}/_GET",
    ]


def _messenger_image(n: int, url: str) -> bytes:
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "150000000000001",
                    "time": int(time.time() * 1000),
                    "messaging": [
                        {
                            "sender": {"id": str(6910000000000000 + n)},
                            "recipient": {"id": "150000000000001"},
                            "timestamp": int(time.time() * 1000),
                            "message": {
                                "mid": f"m_ssrf_{n}",
                                "text": "Sampah menumpuk di Jl. Pemuda Rawamangun depan sekolah, foto terlampir",
                                "attachments": [{"type": "image", "payload": {"url": url}}],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def test_hostile_media_urls_never_reach_internal_services(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, canary: FeedServer
) -> None:
    port = int(canary.base_url.rsplit(":", 1)[1])
    urls = hostile_urls(port)
    with served_chat_web(monkeypatch, tmp_path) as web:
        # The operator-configured Graph host (the fake on 127.0.0.1) is trusted on its own
        # port only: the canary on another port of 127.0.0.1 stays out of reach.
        # The trusted Graph host redirects an attachment inward.
        web.graph.fail_next(
            "/cdn/", Reply(302, headers={"Location": f"http://[::1]:{port}/secret.jpg"})
        )
        web.graph.fail_next("/cdn/", Reply(302, headers={"Location": "https://169.254.169.254/"}))
        graph = web.env.settings.meta.graph_base_url
        urls += [graph + "/cdn/a.jpg?oh=sig", graph + "/cdn/b.jpg?oh=sig"]
        assert [web.post_meta(_messenger_image(n, u)) for n, u in enumerate(urls)] == [200] * len(
            urls
        )
        settle(web.env)
        attachments = rows(web.env, Attachment)
        reports = rows(web.env, Report)
    assert canary.requests == []
    assert len(reports) == len(urls)  # the complaint itself is kept, only the photo refused
    assert len(attachments) == len(urls)
    assert all(a.rejected_reason and not a.sha256 for a in attachments), [
        (a.source_url, a.rejected_reason) for a in attachments if not a.rejected_reason
    ]


def test_allowed_name_that_resolves_to_loopback_is_refused(canary: FeedServer) -> None:
    # Real resolution through /etc/hosts: "localhost" is 127.0.0.1 and ::1. A provider name an
    # attacker pointed at an internal address (DNS rebinding) looks exactly like this.
    port = int(canary.base_url.rsplit(":", 1)[1])
    policy = MediaPolicy(allowed_hosts=(f"localhost:{port}",))
    with pytest.raises(MediaRefused, match="internal"):
        fetch_media(f"https://localhost:{port}/secret.jpg", policy)
    assert canary.requests == []


def test_unresolvable_provider_name_is_temporary_not_a_bypass() -> None:
    policy = MediaPolicy(allowed_hosts=(".invalid",))
    with pytest.raises(TemporarilyUnavailable):
        fetch_media("https://cdn.example.invalid/x.jpg", policy)
