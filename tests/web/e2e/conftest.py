"""Browser tests: the real app under uvicorn (ephemeral port, SQLite) driven by Debian's Chromium.

Playwright drives /usr/bin/chromium (installed by .ci/run); `playwright install` is never run.
SCREENSHOTS=1 rewrites docs/screenshots/*.png from the flows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from crm_core.serve import ServedApp
from tests.conftest import PipelineEnv, close_env, make_env
from web.app import create_app

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOT_DIR = Path(__file__).resolve().parents[3] / "docs" / "screenshots"


@dataclass
class LiveServer:
    """The app served over HTTP on 127.0.0.1:<ephemeral port>, and its pipeline."""

    url: str
    env: PipelineEnv


@pytest.fixture
def live_server(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[LiveServer]:
    """The whole app (webhooks, review UI, embedded CRM) with an in-process worker."""
    # plain http on 127.0.0.1: Secure cookies off, as for local development
    env = make_env(monkeypatch, tmp_path, INTAKE_REVIEW__SECURE_COOKIES="false")
    try:
        with ServedApp(create_app(env.settings)) as served:
            yield LiveServer(served.url, env)
    finally:
        close_env(env)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """One headless Chromium for the session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium (see .ci/run)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser context (no cookies) on the live server."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}, locale="id-ID"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def login(page: Page, username: str, password: str) -> None:
    """Log in through the form, as a person would, and wait for the page after it."""
    page.goto("/admin/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Masuk").click()


def screenshot(page: Page, name: str) -> None:
    """Save docs/screenshots/<name>.png when SCREENSHOTS=1."""
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)
