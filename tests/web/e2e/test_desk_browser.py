"""In Chromium: a desk officer enters a walk-in report and reads the receipt's tracking number."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlmodel import select

from pipeline.models import Report
from tests.connectors.walkin.conftest import jpeg_with_gps
from tests.web.e2e.conftest import LiveServer, login, screenshot
from tests.web.review.conftest import PASSWORD, add_user
from web.review.auth import Role

TRACKING = re.compile(r"^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]$")


def test_walk_in_report_to_printed_receipt(browser_page: Page, live_server: LiveServer) -> None:
    add_user(
        "loket.kebonjeruk",
        Role.DESK_STAFF,
        office="kecamatan:31.73.05",
        display_name="Dewi (Loket Kec. Kebon Jeruk)",
    )
    page = browser_page
    login(page, "loket.kebonjeruk", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/admin/desk")  # desk staff land on their desk
    expect(page.get_by_text("Kantor Kecamatan Kebon Jeruk")).to_be_visible()

    page.get_by_label("Uraian masalah (kata-kata warga)").fill(
        "Lampu penerangan jalan mati sudah dua minggu, gang jadi gelap dan rawan jambret."
    )
    page.get_by_label("Cari kelurahan, kecamatan atau kota").press_sequentially("kbn jeruk")
    kelurahan = page.get_by_label("Kelurahan", exact=True)
    expect(kelurahan).to_have_value("31.73.05.1001")  # htmx swapped in the gazetteer's options
    page.get_by_label("Jalan dan nomor").fill("Jl. Panjang No. 21")
    page.get_by_label("RT/RW").fill("5/3")
    page.get_by_label("Patokan (dekat apa)").fill("Masjid Al-Ikhlas")
    page.get_by_role("checkbox", name=re.compile("Warga setuju")).check()
    page.get_by_label("Nama", exact=True).fill("Ahmad Fauzi")
    page.get_by_label("Nomor HP (untuk SMS)").fill("0813-8765-4321")
    page.get_by_label("NIK (tidak wajib)").fill("3173052107850004")
    expect(page.get_by_label("NIK (tidak wajib)")).to_have_attribute("type", "password")
    page.get_by_label("Foto kondisi di lokasi").set_input_files(
        {"name": "lampu_mati.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}
    )
    screenshot(page, "desk_form")

    page.get_by_role("button", name="Kirim laporan").click()
    expect(page.get_by_role("heading", name="Tanda Terima Pengaduan")).to_be_visible()
    expect(page.locator(".receipt .ref")).to_have_text(re.compile(r"^IN-[0-9A-F]{10}$"))
    tracking = page.locator(".receipt .tracking")
    expect(tracking).to_have_text(TRACKING, timeout=20_000)  # polled in once pushed
    expect(page.get_by_text("lewat SMS ke +62813*****321")).to_be_visible()
    expect(page.get_by_text("3173052107850004")).to_have_count(0)

    with live_server.env.session() as session:
        report = session.exec(select(Report)).one()
    assert report.state == "pushed" and report.kelurahan_code == "31.73.05.1001"
    assert tracking.inner_text() == report.tracking_number
    screenshot(page, "desk_receipt")

    page.emulate_media(media="print")  # the printout: receipt only, no navigation or buttons
    expect(page.locator("header.top")).to_be_hidden()
    expect(page.get_by_role("button", name="Cetak tanda terima")).to_be_hidden()
    expect(tracking).to_be_visible()
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Cari laporan").click()
    page.get_by_label("Nomor laporan atau referensi").fill(report.tracking_number.lower())
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_role("link", name=report.reference)).to_be_visible()
