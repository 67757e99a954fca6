"""Retention at the walk-in desk: letter scans leave the disk with their report, search stays."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import select

from pipeline.db import session_scope
from pipeline.models import Report, utcnow
from pipeline.retention import purge
from tests.conftest import PipelineEnv
from tests.connectors.walkin.conftest import jpeg_with_gps, scanned_letter_pdf
from tests.web.review.test_desk import _fields, desk_login, post_form

_REPORT = Report.__table__  # type: ignore[attr-defined]
SECOND = (
    "Lampu penerangan jalan di depan masjid mati sejak seminggu, gang gelap dan rawan "
    "kecelakaan malam hari."
)


def _desk_files(var_dir: Path) -> dict[str, list[Path]]:
    root = var_dir / "walkin"
    return {role: sorted((root / role).glob("*")) for role in ("photo", "scan")}


def _age_files(var_dir: Path, hours: float = 3) -> None:
    """As if the desk saved them hours ago (the sweep spares files younger than its grace)."""
    then = time.time() - hours * 3600
    for files in _desk_files(var_dir).values():
        for path in files:
            os.utime(path, (then, then))


def _close(reference: str) -> None:
    """Selesai in the CRM more than a year ago: past the 365-day retention."""
    with session_scope() as session:
        session.execute(
            update(_REPORT)
            .where(_REPORT.c.reference == reference)
            .values(crm_status="Selesai", updated_at=utcnow() - timedelta(days=400))
        )


def test_purge_deletes_the_letter_scan_keeps_a_shared_photo_and_desk_search(
    client: TestClient, pipeline_env: PipelineEnv
) -> None:
    desk_login(client)
    photo, pdf = jpeg_with_gps(), scanned_letter_pdf()
    # A name but no phone or e-mail: the message has no handle, yet names the citizen (and so
    # does the letter).
    named = {"citizen_name": "Siti Rahmawati", "consent": "on", "letter_kind": "surat_gubernur"}
    first = post_form(
        client,
        _fields() | named,
        [
            ("photos", ("IMG_0412.JPG", photo, "image/jpeg")),
            ("scans", ("surat.pdf", pdf, "application/pdf")),
        ],
    ).headers["location"]
    post_form(  # another citizen's report, still open, with the very same photo file
        client,
        _fields() | {"description": SECOND},
        [("photos", ("IMG_0413.JPG", photo, "image/jpeg"))],
    )
    pipeline_env.drain()
    with pipeline_env.session() as session:
        closed, still_open = session.exec(select(Report).order_by(Report.id)).all()  # type: ignore[arg-type]
    assert closed.state == still_open.state == "pushed"
    _close(closed.reference)
    var_dir = pipeline_env.var_dir
    _age_files(var_dir)
    (scan,), (shared_photo,) = _desk_files(var_dir)["scan"], _desk_files(var_dir)["photo"]
    assert client.get(first + "/documents/0").content == pdf
    assert "1 foto, 1 berkas surat" in client.get(first).text

    counted = purge(session_scope, 365, dry_run=True, var_dir=var_dir)
    assert (counted.reports, counted.files) == (1, 1) and scan.exists()
    done = purge(session_scope, 365, dry_run=False, var_dir=var_dir, actor="ops:test")

    assert (done.reports, done.files) == (1, 1)
    assert not scan.exists()  # the letter with the citizen's name and signature is gone
    assert shared_photo.exists()  # the open report still names it
    assert client.get(first + "/documents/0").status_code == 404
    found = client.get(f"/admin/desk/search?q={closed.tracking_number}").text
    assert closed.reference in found  # the desk still finds its office's report
    receipt = client.get(first)
    assert receipt.status_code == 200 and "Siti Rahmawati" not in receipt.text
    assert "berkas surat" not in receipt.text and "/documents/0" not in receipt.text

    _close(still_open.reference)
    assert purge(session_scope, 365, dry_run=False, var_dir=var_dir).files == 1
    assert _desk_files(var_dir) == {"photo": [], "scan": []}
    assert purge(session_scope, 365, dry_run=False, var_dir=var_dir).files == 0


def test_fresh_and_unclaimed_files(client: TestClient, pipeline_env: PipelineEnv) -> None:
    desk_login(client)
    post_form(
        client, _fields(), [("scans", ("surat.pdf", scanned_letter_pdf(), "application/pdf"))]
    )
    pipeline_env.drain()
    var_dir = pipeline_env.var_dir
    # A scan the desk wrote but whose message never committed (a crash between the two).
    stray = var_dir / "walkin" / "scan" / ("0" * 64 + ".pdf")
    stray.write_bytes(scanned_letter_pdf())
    assert purge(session_scope, 365, dry_run=False, var_dir=var_dir).files == 0  # within grace
    _age_files(var_dir)
    assert purge(session_scope, 365, dry_run=False, var_dir=var_dir).files == 1
    assert not stray.exists() and len(_desk_files(var_dir)["scan"]) == 1  # the report's stays
