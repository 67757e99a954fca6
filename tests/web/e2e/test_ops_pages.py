"""In Chromium: a superadmin retries a push the CRM refused on the dead-letters page (htmx row
swap, counts follow), then reads the day's intake on the stats page."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, expect

from connectors.contract import InboundMessage, Sender
from connectors.intake import accept
from pipeline.db import session_scope
from pipeline.models import InboxMessage, Report, utcnow
from tests.pipeline.conftest import add_inbox, message
from tests.web.e2e.conftest import LiveServer, login, screenshot
from tests.web.review.conftest import PASSWORD, add_user, make_report
from tests.web.review.test_dead import dead_push
from web.review.auth import Role

CLIPPINGS = [
    "Banjir setinggi 40 cm merendam Jalan Kemang Raya, Kelurahan Bangka, Mampang Prapatan, "
    "Jakarta Selatan, sejak pukul 05.00; saluran air tersumbat sampah.",
    "Lampu penerangan jalan di Jalan Tebet Barat Dalam Raya, Kelurahan Tebet Barat, Tebet, "
    "Jakarta Selatan, padam sepanjang 200 meter sejak sepekan.",
]


def _seed(live: LiveServer) -> tuple[Report, int]:
    """Real messages through the pipeline, one refused push and one failed message."""
    for n, text in enumerate(CLIPPINGS):
        accept(
            InboundMessage(
                channel="media_massa",
                external_id=f"https://news.example.id/{n}",
                sender=Sender(handle="kompas.com"),
                text=text,
            )
        )
    live.env.drain()
    for channel in ("twitter", "twitter", "email", "walkin"):
        make_report(channel=channel, state="needs_review")
    late = make_report(channel="email", state="pushed", tracking_number="2611230042",
                       crm_status="Menunggu", state_changed_at=utcnow() - timedelta(hours=7))  # fmt: skip
    with session_scope() as session:  # received 40 minutes before its ticket
        inbox = session.get(InboxMessage, late.inbox_message_id)
        inbox.received_at = utcnow() - timedelta(hours=7, minutes=40)
    refused = dead_push("CRM answered 422: service_code 'trotoar' is not a known service")
    with session_scope() as session:
        failed: InboxMessage = add_inbox(session, message(channel="import"), state="failed")
        failed.error = "OperationalError: could not connect to server (after 5 attempts)"
        failed_id = failed.id or 0
    return refused, failed_id


def test_retry_a_dead_push_then_read_the_stats(browser_page: Page, live_server: LiveServer) -> None:
    page = browser_page
    refused, failed_id = _seed(live_server)
    add_user("ops.root", Role.SUPERADMIN, display_name="Ops Diskominfotik")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    login(page, "ops.root", PASSWORD)

    page.get_by_role("link", name="Surat mati").click()
    expect(page.get_by_role("heading", name="Surat mati (dead letters)")).to_be_visible()
    row = page.locator(f"#dead-push-{refused.id}")
    expect(row).to_contain_text("is not a known service")
    expect(page.locator(f"#dead-message-{failed_id}")).to_contain_text("could not connect")
    expect(page.locator('[data-kind="push"]')).to_have_text("1")
    screenshot(page, "dead_letters")

    row.get_by_role("button", name="Kirim ulang").click()
    expect(row).to_contain_text("dikirim ulang ke antrean")
    expect(page.locator('[data-kind="push"]')).to_have_text("0")  # counts swapped out of band
    live_server.env.drain()
    with session_scope() as session:
        pushed = session.get(Report, refused.id)
    assert pushed.state == "pushed" and pushed.tracking_number

    page.get_by_role("link", name="Statistik").click()
    expect(page.get_by_role("heading", name="Pesan per jam (WIB)")).to_be_visible()
    expect(page.locator("#stat-received")).to_have_text("9")
    expect(page.locator("svg.chart rect").first).to_be_attached()
    expect(page.get_by_role("cell", name="media_massa")).to_be_visible()
    screenshot(page, "stats")
    assert not [e for e in errors if "Content Security Policy" in e], errors
