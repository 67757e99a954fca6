"""The desk's one write: save the uploads, then hand the message to the shared intake sink."""

from __future__ import annotations

from pathlib import Path

import structlog

from connectors.intake import Ack, accept
from connectors.walkin.parse import DeskEntry, to_message
from connectors.walkin.store import save

log = structlog.get_logger(__name__)


def submit(entry: DeskEntry, var_dir: Path) -> Ack:
    """Store a validated desk entry once (a double submit returns the first row), enqueue it."""
    files = [save(upload, var_dir) for upload in (*entry.photos, *entry.scans)]
    ack = accept(to_message(entry, files))
    # No names, contacts or NIK here: the office and counts are enough to follow a desk's day.
    log.info(
        "walkin_submitted",
        inbox_id=ack.inbox_id,
        created=ack.created,
        office=entry.office,
        letter_kind=entry.letter_kind,
        photos=len(entry.photos),
        scans=len(entry.scans),
    )
    return ack
