"""Attachments the poller stored are served to the pipeline, and nothing else on disk is."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import Settings
from connectors.contract import MediaRef
from connectors.email import build_media_fetcher, media_dir
from connectors.email.parse import parse_email
from connectors.email.poll import store_attachment
from tests.connectors.email.conftest import fixture_bytes


def test_stored_photo_is_read_back_and_other_paths_are_refused(tmp_path: Path) -> None:
    settings = Settings(var_dir=tmp_path)
    [photo] = parse_email(fixture_bytes("iphone_inline_photo.eml")).attachments
    ref = store_attachment(media_dir(settings), photo)
    again = store_attachment(media_dir(settings), photo)  # same bytes, same file
    fetch = build_media_fetcher(settings)
    assert fetch is not None and ref == again
    assert fetch(ref) == (photo.data, "image/jpeg")
    secret = tmp_path / "intake.db"
    secret.write_bytes(b"SQLite format 3")
    for path in (str(secret), str(media_dir(settings) / ".." / "intake.db")):
        with pytest.raises(ValueError, match="not an email attachment"):
            fetch(MediaRef(path=path, content_type="image/jpeg"))
