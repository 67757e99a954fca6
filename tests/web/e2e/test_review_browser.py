"""In Chromium: review and approve a flagged news clipping until it has a CRM tracking number,
and merge a duplicate clipping into an open report."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect
from sqlmodel import select

from connectors.contract import InboundMessage, Sender
from connectors.intake import accept
from pipeline.db import session_scope
from pipeline.models import Report
from tests.web.e2e.conftest import LiveServer, login, screenshot
from tests.web.review.conftest import PASSWORD, add_user, make_report
from web.review.auth import Role

CLIPPING = (
    "Warga Keluhkan Jalan Berlubang di Tebet Barat. Jalan Tebet Barat Dalam Raya, Kelurahan "
    "Tebet Barat, Kecamatan Tebet, Jakarta Selatan, rusak dan berlubang sepanjang 50 meter "
    "sejak dua minggu lalu. Sejumlah pengendara motor dilaporkan terjatuh."
)
SECOND_CLIPPING = (
    "Genangan dan lubang di Jalan Tebet Barat Dalam Raya belum juga ditambal; warga RW 02 "
    "Tebet Barat, Jakarta Selatan, meminta Suku Dinas Bina Marga turun tangan."
)


def _clipping(live: LiveServer, external_id: str, text: str) -> Report:
    """A news clipping through the real intake and pipeline (media_massa: always reviewed)."""
    accept(
        InboundMessage(
            channel="media_massa",
            external_id=external_id,
            sender=Sender(handle="kompas.com"),
            text=text,
        )
    )
    live.env.drain()
    with session_scope() as session:
        return session.exec(
            select(Report).where(Report.channel == "media_massa").order_by(Report.id.desc())
        ).first()


def _state(report_id: int) -> Report:
    with session_scope() as session:
        return session.get(Report, report_id)


def test_review_and_approve_a_flagged_report(browser_page: Page, live_server: LiveServer) -> None:
    add_user(
        "camat.tebet",
        Role.ADMIN_KECAMATAN,
        kecamatan_code="31.74.01",
        kota_code="31.74",
        display_name="Admin Kec. Tebet",
    )
    report = _clipping(live_server, "https://news.example.id/jalan-tebet-barat", CLIPPING)
    assert report.state == "needs_review"
    tweet = make_report(
        "31.74.01.1001",
        channel="twitter",
        reasons=["missing_photo"],
        description="Tumpukan sampah di pinggir Kali Ciliwung dekat Jembatan Tebet Timur, bau menyengat.",
        category="sampah",
    )
    make_report(
        "31.74.01.1003",
        channel="facebook",
        reasons=["ambiguous_location", "possible_duplicate"],
        description="Pohon besar miring ke arah kabel listrik di Jl. Menteng Dalam, khawatir tumbang saat hujan.",
        category="pohon",
    )
    page = browser_page
    login(page, "camat.tebet", PASSWORD)
    expect(page.get_by_role("heading", name="Antrean tinjauan")).to_be_visible()
    expect(page.get_by_role("link", name=report.reference)).to_be_visible()
    screenshot(page, "queue")
    page.get_by_label("Alasan").select_option("channel_review")  # htmx swaps the rows
    expect(page.get_by_role("link", name=tweet.reference)).to_have_count(0)
    expect(page).to_have_url(f"{live_server.url}/admin/?reason=channel_review")
    page.get_by_role("button", name=f"Tangani {report.reference}").click()  # htmx swaps the row
    expect(page.locator(f"#report-{report.id}")).to_contain_text("Anda menangani")
    expect(page.get_by_role("button", name="Lepaskan")).to_be_focused()  # focus stays in the row
    page.get_by_role("link", name=report.reference).click()
    expect(page.get_by_role("heading", name=f"Laporan {report.reference}")).to_be_visible()
    expect(page.get_by_text("Sejumlah pengendara motor dilaporkan terjatuh.").first).to_be_visible()
    screenshot(page, "report")
    page.get_by_label("Cari kelurahan").fill("tebet brat")  # typo-tolerant gazetteer search
    expect(page.get_by_label("Kelurahan", exact=True).locator("option:checked")).to_have_text(
        "Kel. Tebet Barat, Kec. Tebet, Jakarta Selatan"
    )
    page.get_by_label("RT/RW").fill("RT 05/RW 02")
    page.get_by_role("button", name="Simpan perubahan").click()
    expect(page.get_by_role("status")).to_have_text("Perubahan disimpan.")
    assert _state(report.id).rt_rw == "RT 05/RW 02"
    page.get_by_role("button", name="Setujui dan kirim ke CRM").click()
    expect(page.get_by_role("status")).to_have_text("Laporan disetujui dan dikirim ke CRM.")
    live_server.env.drain()
    page.reload()
    number = page.locator("#tracking-number")
    expect(number).to_be_visible()
    pushed = _state(report.id)
    assert pushed.state == "pushed" and number.inner_text() == pushed.tracking_number
    tracked = httpx.get(f"{live_server.url}/api/v1/tracking/{pushed.tracking_number}")
    assert tracked.status_code == 200  # the CRM core has the ticket
    page.get_by_role("link", name="Kembali ke antrean").click()
    expect(page.get_by_role("link", name=report.reference)).to_have_count(0)


def test_merge_a_duplicate(browser_page: Page, live_server: LiveServer) -> None:
    add_user("super", Role.SUPERADMIN)
    original = make_report(
        "31.74.01.1002",
        channel="email",
        state="pushed",
        tracking_number="2611230042",
        description="Jalan Tebet Barat Dalam Raya berlubang dan tergenang.",
    )
    dupe = _clipping(live_server, "https://news.example.id/tebet-barat-lagi", SECOND_CLIPPING)
    assert dupe.state == "needs_review"
    page = browser_page
    login(page, "super", PASSWORD)
    page.goto(f"/admin/reports/{dupe.id}")
    page.get_by_label("Nomor ref. laporan asli").fill(original.reference)
    page.get_by_role("button", name="Gabungkan sebagai duplikat").click()
    expect(page.get_by_role("status")).to_have_text("Laporan digabungkan sebagai duplikat.")
    merged = _state(dupe.id)
    assert merged.state == "duplicate" and merged.duplicate_of == original.id
    page.goto("/admin/audit")
    expect(page.get_by_role("cell", name="merge")).to_be_visible()
