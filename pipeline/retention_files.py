"""Walk-in desk uploads (letter scans, photos) that no kept message names: deleted from disk.

A desk upload carries the citizen's letter (name, address, NIK, signature) or photo, so UU 27/2022
Pasal 43 applies to the file as much as to the row: once the retention purge has scrubbed the
message that named it, the file under var/walkin/ goes too. The pipeline's checked copy of a
photo (var/media/, EXIF stripped) is the city's record of the problem and stays.

Files are content-addressed (connectors/walkin/store.py), so one file may serve two messages (the
same letter brought to two offices): a file is deleted only when no unpurged message names it.
The sweep looks at every file, so it also finishes files an interrupted run or an older version
of the purge left behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlmodel import Session

from connectors.walkin.store import upload_dir
from pipeline.models import InboxMessage, utcnow

log = structlog.get_logger(__name__)
#: Channels whose stored messages name local desk files (walk-in, and replays of its exports).
LOCAL_FILE_CHANNELS = ("walkin", "import")
#: The desk writes its files before the message row commits: younger files are left alone.
GRACE = timedelta(hours=1)
_inbox = InboxMessage.__table__  # type: ignore[attr-defined]


@dataclass
class FilePurge:
    """Desk files deleted (or, in a dry run, that would be) and their size."""

    files: int = 0
    bytes: int = 0


def named_files(payload: dict[str, Any] | None) -> set[tuple[str, str]]:
    """(folder, file name) of every local file a stored message names: photos and scans (pure)."""
    payload = payload or {}
    refs = [m.get("path") for m in payload.get("media") or [] if isinstance(m, dict)]
    raw = payload.get("raw") if isinstance(payload.get("raw"), dict) else {}
    refs += [d.get("path") for d in raw.get("documents") or [] if isinstance(d, dict)]
    return {_key(Path(p)) for p in refs if isinstance(p, str) and p}


def _key(path: Path) -> tuple[str, str]:
    # Folder + name, not the absolute path: var/ may have moved since the message was stored.
    return path.parent.name, path.name


def kept_files(session: Session, excluding: Iterable[int] = ()) -> set[tuple[str, str]]:
    """Files named by a stored message (other than `excluding`), read in one streamed pass."""
    skip = set(excluding)
    stmt = (
        select(_inbox.c.id, _inbox.c.payload)
        .where(_inbox.c.channel.in_(LOCAL_FILE_CHANNELS))
        .execution_options(yield_per=1000)
    )
    kept: set[tuple[str, str]] = set()
    for row_id, payload in session.execute(stmt):
        if row_id not in skip:
            kept |= named_files(payload)
    return kept


def desk_files(var_dir: Path, older_than: datetime) -> Iterator[Path]:
    """Files under var/walkin/ last written before `older_than` (a crashed write's temp too)."""
    root = upload_dir(var_dir)
    if not root.is_dir():
        return
    cutoff = older_than.timestamp()
    for path in sorted(root.glob("*/*")):
        if path.is_file() and path.stat().st_mtime < cutoff:
            yield path


def purge_desk_files(
    session_factory: Callable[[], AbstractContextManager[Session]],
    var_dir: Path,
    *,
    dry_run: bool,
    excluding: Iterable[int] = (),
    now: datetime | None = None,
) -> FilePurge:
    """Delete desk files no stored message names; `excluding`: messages about to be scrubbed."""
    with session_factory() as session:
        kept = kept_files(session, excluding)
    result = FilePurge()
    for path in desk_files(var_dir, (now or utcnow()) - GRACE):
        if _key(path) in kept:
            continue
        size = path.stat().st_size
        if not dry_run:
            path.unlink(missing_ok=True)
        result.files += 1
        result.bytes += size
    if result.files and not dry_run:
        log.info("retention_desk_files_deleted", files=result.files, bytes=result.bytes)
    return result
