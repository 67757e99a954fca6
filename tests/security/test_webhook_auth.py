"""Forged, replayed and oversized webhook requests through the whole served app.

Per-connector signature tests live beside each connector (tests/connectors/*/test_webhook.py);
here every chat channel is attacked at once through create_app, and the database is checked
for what an attacker managed to store.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest

from connectors.abuse import MAX_WEBHOOK_BYTES
from pipeline.models import InboxMessage
from tests.reliability.chat_web import (
    ChatWeb,
    meta_body,
    meta_signature,
    served_chat_web,
    telegram_update,
    twilio_form,
    twilio_signature,
)
from tests.reliability.settle import rows


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[ChatWeb]:
    with served_chat_web(monkeypatch, tmp_path) as served:
        yield served


def _stored(web: ChatWeb) -> list[InboxMessage]:
    web.env.drain()
    return rows(web.env, InboxMessage)


def test_forged_signatures_are_refused_and_store_nothing(web: ChatWeb) -> None:
    form, body, update = twilio_form(1), meta_body(1), telegram_update(1)
    attempts = [
        web.post_twilio(form, signature=""),
        web.post_twilio(form, signature=twilio_signature(form, token="guessed-token")),
        web.post_twilio(form, signature=twilio_signature(twilio_form(2))),  # another message's
        web.post_meta(body, signature=""),
        web.post_meta(body, signature=meta_signature(body, secret="guessed")),
        web.post_meta(body, signature="sha1=" + meta_signature(body)[7:]),
        web.post_meta(body, signature=meta_signature(body).upper()),  # SHA256= prefix unknown
        web.post_telegram(update, secret=""),
        web.post_telegram(update, secret="tg-Secret_4"),  # a prefix of the real secret
    ]
    assert attempts == [403] * len(attempts)
    assert _stored(web) == []
    assert web.twilio.sent == [] and web.graph.messages == [] and web.telegram.sent == []


def test_replayed_signature_on_a_changed_body_is_refused(web: ChatWeb) -> None:
    form = twilio_form(3)
    signature = twilio_signature(form)
    assert web.post_twilio(form, signature=signature) == 200
    tampered = form | {"Body": "Laporan palsu: transfer dana ke rekening berikut"}
    assert web.post_twilio(tampered, signature=signature) == 403
    body = meta_body(3)
    sig = meta_signature(body)
    assert web.post_meta(body, signature=sig) == 200
    assert web.post_meta(body.replace(b"PJU", b"XSS"), signature=sig) == 403
    stored = _stored(web)
    assert sorted(r.channel for r in stored) == ["facebook", "twilio"]
    assert all("palsu" not in json.dumps(r.payload) for r in stored)


def test_replaying_a_valid_request_stores_it_once(web: ChatWeb) -> None:
    # Twilio's signature has no timestamp: a captured request replays forever. It is harmless
    # only because MessageSid is unique: the replay is the same message (DESIGN.md).
    form = twilio_form(4)
    signature = twilio_signature(form)
    assert [web.post_twilio(form, signature=signature) for _ in range(5)] == [200] * 5
    assert len(_stored(web)) == 1


def test_oversized_bodies_are_refused_before_parsing(web: ChatWeb) -> None:
    huge = "x" * (MAX_WEBHOOK_BYTES + 1)
    form = twilio_form(5, body=huge)
    assert web.post_twilio(form) == 413
    body = meta_body(5, text=huge)
    assert web.post_meta(body) == 413
    assert web.post_telegram(telegram_update(5, text=huge)) == 413
    assert _stored(web) == []


def test_gzip_bodies_are_not_inflated(web: ChatWeb) -> None:
    # A 100 MB JSON of zeros gzips to ~100 kB: an app that inflated Content-Encoding: gzip
    # bodies would read 100 MB from a small request (a decompression bomb).
    bomb = gzip.compress(b'{"update_id": 1, "message": {"text": "' + b"0" * 100_000_000 + b'"}}')
    assert len(bomb) < MAX_WEBHOOK_BYTES
    response = web.http.post(
        "/webhooks/telegram",
        content=bomb,
        headers={
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
            "X-Telegram-Bot-Api-Secret-Token": "tg-Secret_42",
        },
    )
    assert response.status_code in (200, 400, 415)
    stored = _stored(web)
    assert all(r.state == "malformed" for r in stored)  # kept for ops as bytes, never inflated
    assert sum(len(json.dumps(r.payload)) for r in stored) < 2 * len(bomb) + 10_000


def test_unparseable_signed_bodies_are_stored_and_flagged(web: ChatWeb) -> None:
    assert web.post_telegram(b'{"update_id": 9, "message": ') == 200
    assert web.post_meta(b"not json at all") == 200
    form = {"Body": "tanpa MessageSid", "From": "+6281200000009"}
    assert web.post_twilio(form) == 200
    stored = _stored(web)
    assert sorted(r.channel for r in stored) == ["facebook", "telegram", "twilio"]
    assert all(r.state == "malformed" and r.error for r in stored)


def test_signed_meta_body_with_a_non_object_entry_is_flagged_not_a_500(web: ChatWeb) -> None:
    body = json.dumps({"object": "page", "entry": [1]}).encode()
    assert web.post_meta(body) == 200
    (row,) = _stored(web)
    assert row.state == "malformed"


def test_form_body_on_a_json_webhook_is_not_stored_as_a_message(web: ChatWeb) -> None:
    content = urlencode({"update_id": "1", "message": "x"})
    response = web.http.post(
        "/webhooks/telegram",
        content=content,
        headers={"X-Telegram-Bot-Api-Secret-Token": "tg-Secret_42"},
    )
    assert response.status_code == 200
    assert all(r.state == "malformed" for r in _stored(web))
