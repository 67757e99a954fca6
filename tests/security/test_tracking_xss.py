"""Stored and reflected XSS on the public tracking page, through every field a citizen controls.

The admin pages (web/review/) have their own XSS tests in tests/web/review/ (helper A); this
covers the public page and its JSON twin, fed by a real Telegram message through the app.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.crm import get_client
from pipeline.models import Report
from tests.reliability.chat_web import served_chat_web, telegram_update
from tests.reliability.settle import rows, settle

#: Each payload carries a marker; the marker must never appear as live markup.
PAYLOADS = [
    "<script>alert('xss-1')</script>",
    '"><img src=x onerror=alert("xss-2")>',
    "<svg/onload=alert('xss-3')>",
    "javascript:alert('xss-4')",
    "{{7*7}}xss-5{% raw %}",
    "</textarea><iframe src=//evil.example/xss-6>",
]
LIVE_MARKUP = re.compile(
    r"<(script|img[^>]*onerror|svg|iframe)|(href|src)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE
)


def _hostile_update(n: int) -> dict:
    text = (
        f"/lapor {PAYLOADS[n % len(PAYLOADS)]} Jalan berlubang besar di Jl. Kebon Sirih RT 02 "
        "RW 03 Kelurahan Kebon Sirih, Menteng, sudah dua minggu belum diperbaiki"
    )
    update = telegram_update(900 + n, text=text)
    update["message"]["from"]["first_name"] = update["message"]["chat"]["first_name"] = PAYLOADS[
        (n + 1) % len(PAYLOADS)
    ]
    update["message"]["from"]["username"] = "<b>xss</b>"
    return update


def test_citizen_and_officer_text_is_inert_on_the_tracking_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with served_chat_web(monkeypatch, tmp_path) as web:
        for n in range(len(PAYLOADS)):
            assert web.post_telegram(_hostile_update(n)) == 200
        settle(web.env)
        numbers = [r.tracking_number for r in rows(web.env, Report) if r.tracking_number]
        assert numbers, "no hostile report reached the CRM; the page test would prove nothing"
        core = get_client(web.env.settings).core  # type: ignore[attr-defined]
        core.transition(numbers[0], "Koordinasi", "petugas <b>x</b>", note=PAYLOADS[0])
        pages = [web.http.get(f"/lacak/{number}") for number in numbers]
        reflected = [web.http.get("/lacak", params={"nomor": p}) for p in PAYLOADS]
        reflected += [
            web.http.get(f"/lacak/{p}") for p in ("<script>alert(1)</script>", "%3Csvg%3E")
        ]
        json_twins = [web.http.get(f"/api/v1/tracking/{number}") for number in numbers]
    assert all(p.status_code == 200 for p in pages)
    for response in [*pages, *reflected]:
        kind = response.headers["content-type"]
        if kind.startswith("text/html"):  # a >40-character payload too: the page, not a 422
            assert not LIVE_MARKUP.search(response.text), response.text
        else:  # "/lacak/<script>...</script>" has a slash: no route, FastAPI's JSON 404
            assert kind.startswith("application/json") and response.status_code == 404, kind
    assert "&lt;script&gt;" in pages[0].text  # the officer's note is shown, escaped
    assert all(j.headers["content-type"].startswith("application/json") for j in json_twins)
