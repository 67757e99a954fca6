"""In Chromium: the login page, a failed and a successful login, logout."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.web.e2e.conftest import LiveServer, login, screenshot
from tests.web.review.conftest import PASSWORD, add_user
from web.review.auth import Role


def test_login_logout_in_chromium(browser_page: Page, live_server: LiveServer) -> None:
    add_user("rina", Role.SUPERADMIN, display_name="Rina (Balai Kota)")
    page = browser_page
    page.goto("/admin/")  # no session: sent to the login form
    expect(page).to_have_url(f"{live_server.url}/admin/login?next=/admin/")
    screenshot(page, "login")
    login(page, "rina", "salah-sekali-123")
    expect(page.get_by_role("alert")).to_have_text("Nama pengguna atau kata sandi salah.")
    login(page, "rina", PASSWORD)
    expect(page.get_by_role("heading", name="Antrean tinjauan")).to_be_visible()
    expect(page.get_by_text("Masuk sebagai Rina (Balai Kota)")).to_be_visible()
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
    page.goto("/admin/")
    expect(page).to_have_url(f"{live_server.url}/admin/login?next=/admin/")


def test_keyboard_only_login_and_skip_link(browser_page: Page, live_server: LiveServer) -> None:
    add_user("dimas", Role.ADMIN_WALIKOTA, kota_code="31.74")
    page = browser_page
    page.goto("/admin/login")
    expect(page.get_by_label("Nama pengguna")).to_be_focused()  # autofocus
    page.keyboard.type("dimas")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # the first stop is the skip link, visible when focused
    skip = page.get_by_role("link", name="Langsung ke isi")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()
