"""Desk uploads on disk: content-addressed, EXIF-free, safe when saved twice at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from connectors.walkin.store import read_document, save
from connectors.walkin.uploads import Limits, Upload, check_upload


def test_simultaneous_saves_of_one_photo_leave_one_file(
    tmp_path: Path, photo_with_gps: bytes
) -> None:
    checked = check_upload(Upload("a.jpg", photo_with_gps), "photo", Limits())
    with ThreadPoolExecutor(8) as pool:
        stored = list(pool.map(lambda _: save(checked, tmp_path), range(16)))
    assert len({s.path for s in stored}) == 1
    files = list((tmp_path / "walkin" / "photo").iterdir())
    assert [f.name for f in files] == [Path(stored[0].path).name]  # no temporary files left
    assert read_document(tmp_path, stored[0].path) == Path(stored[0].path).read_bytes()


def test_pdf_is_kept_byte_for_byte(tmp_path: Path, letter_pdf: bytes) -> None:
    stored = save(check_upload(Upload("surat.pdf", letter_pdf), "scan", Limits()), tmp_path)
    assert Path(stored.path).read_bytes() == letter_pdf and stored.path.endswith(".pdf")


def test_paths_outside_the_desk_folder_are_refused(tmp_path: Path) -> None:
    secret = tmp_path / "intake.db"
    secret.write_bytes(b"SQLite format 3\x00")
    with pytest.raises(FileNotFoundError):
        read_document(tmp_path, str(tmp_path / "walkin" / ".." / "intake.db"))
