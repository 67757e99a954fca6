"""Report page extras: triage's stored duplicate candidates (scoped) and the walk-in desk record."""

from __future__ import annotations

from sqlmodel import select

from pipeline.db import session_scope
from pipeline.dedupe import Candidate
from pipeline.models import InboxMessage, Report
from tests.connectors.walkin.conftest import scanned_letter_pdf
from tests.web.review.conftest import add_user, logged_in, make_report
from tests.web.review.test_dead import HOSTILE
from tests.web.review.test_desk import _fields, post_form
from web.review.auth import Role


def _store_candidates(report: Report, *found: Report) -> None:
    with session_scope() as session:
        row = session.get(Report, report.id)
        row.candidates = [
            Candidate(
                report_id=f.id or 0,
                reference=f.reference,
                tracking_number=f.tracking_number,
                text_score=0.8,
                distance_m=42.0,
                score=0.87,
            ).as_json()
            for f in found
        ]
        session.add(row)


def test_stored_candidates_are_shown_within_the_users_scope(client_factory) -> None:
    # different words: a live comparison would not pair them, the stored list does
    near = make_report("31.74.01.1001", state="pushed", tracking_number="2611230007",
                       description="Lampu penerangan jalan mati total di gang masjid.")  # fmt: skip
    far = make_report("31.71.01.1001", state="pushed", tracking_number="2611230008")
    report = make_report("31.74.01.1001", reasons=["possible_duplicate"])
    _store_candidates(report, near, far)
    add_user("lurah", Role.ADMIN_KELURAHAN, kelurahan_code="31.74.01.1001")
    add_user("root", Role.SUPERADMIN)
    page = logged_in(client_factory, "lurah").get(f"/admin/reports/{report.id}").text
    assert near.reference in page and "87%" in page and "42 m" in page
    assert 'id="dupes-stored"' in page and "Disimpan saat triase" in page
    assert far.reference not in page  # Gambir is outside a Tebet lurah's area
    assert (
        far.reference in logged_in(client_factory, "root").get(f"/admin/reports/{report.id}").text
    )


def test_reports_without_stored_candidates_are_compared_live(client_factory) -> None:
    original = make_report("31.74.01.1001", state="pushed", tracking_number="2611230009")
    report = make_report("31.74.01.1001", reasons=["possible_duplicate"])
    add_user("root", Role.SUPERADMIN)
    page = logged_in(client_factory, "root").get(f"/admin/reports/{report.id}").text
    assert original.reference in page and 'id="dupes-stored"' not in page


def test_walk_in_report_shows_the_desk_record_and_letter_links(
    client_factory, pipeline_env
) -> None:
    add_user("root", Role.SUPERADMIN)
    browser = logged_in(client_factory, "root")
    fields = _fields() | {"letter_kind": "surat", "office": HOSTILE, "nik": "3174015001900001"}
    letters = [
        ("scans", (f"surat{i}.pdf", scanned_letter_pdf(), "application/pdf")) for i in (1, 2)
    ]
    assert post_form(browser, fields, letters).status_code == 303
    pipeline_env.drain()
    with session_scope() as session:
        report = session.exec(select(Report)).one()
    page = browser.get(f"/admin/reports/{report.id}").text
    assert "Data loket" in page and "3174************" in page
    assert HOSTILE not in page and "&lt;script&gt;alert(" in page
    base = f"/admin/desk/receipts/{report.inbox_message_id}/documents"
    assert f'href="{base}/0">Surat 1<' in page and f'href="{base}/1">Surat 2<' in page
    scan = browser.get(f"{base}/1")
    assert scan.status_code == 200 and scan.content.startswith(b"%PDF")


def test_desk_fields_are_escaped_and_nik_hidden_for_confidential_citizens(client_factory) -> None:
    report = make_report("31.74.01.1001", channel="walkin", office="kelurahan:31.74.01.1001",
                         confidential=True)  # fmt: skip
    with session_scope() as session:
        inbox = session.get(InboxMessage, report.inbox_message_id)
        raw = {"desk": {"staff_id": HOSTILE, "letter_kind": HOSTILE, "consent": True,
                        "nik_masked": "3174************"}, "documents": []}  # fmt: skip
        inbox.payload = inbox.payload | {"raw": raw}
        session.add(inbox)
    add_user("camat", Role.ADMIN_KECAMATAN, kecamatan_code="31.74.01")
    page = logged_in(client_factory, "camat").get(f"/admin/reports/{report.id}").text
    assert "Data loket" in page and "Kantor Kelurahan" in page
    assert HOSTILE not in page and "&lt;script&gt;alert(" in page
    assert "3174************" not in page  # the citizen asked to stay confidential
    twitter = make_report("31.74.01.1001", channel="twitter")
    assert (
        "Data loket"
        not in logged_in(client_factory, "camat").get(f"/admin/reports/{twitter.id}").text
    )
