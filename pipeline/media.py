"""Photos of a report: fetched through the channel's own fetcher (provider hosts only), checked,
stripped of EXIF after reading its GPS, stored under var/media/ with a perceptual hash."""

from __future__ import annotations

import hashlib
from pathlib import Path

import structlog
from sqlmodel import Session

from config.settings import Settings, get_settings
from connectors import registry
from connectors.contract import MediaRef, TemporarilyUnavailable
from normalizers.photos import MAX_BYTES, inspect_photo, sniff_type, strip_exif
from pipeline import dedupe
from pipeline.db import session_scope
from pipeline.models import Attachment, InboxMessage, Report
from pipeline.states import ReportState

log = structlog.get_logger(__name__)


def _read_local(ref: MediaRef) -> tuple[bytes, str]:
    """Replayed files name local photo paths: read them, within the photo size limit."""
    path = Path(ref.path)
    if not path.is_file():
        raise ValueError("file not found")
    if path.stat().st_size > MAX_BYTES:  # the photo check's own limit, read before loading
        raise ValueError("file too large")
    return path.read_bytes(), ""


def fetch(channel: str, ref: MediaRef, settings: Settings) -> tuple[bytes, str]:
    """The bytes of one media reference, through the channel's fetcher."""
    fetcher = registry.build(channel, "build_media_fetcher", settings)
    if fetcher is not None:
        return fetcher(ref)  # type: ignore[no-any-return]
    if ref.path and channel in {"import", "walkin"}:
        return _read_local(ref)
    raise ValueError(f"channel {channel!r} cannot fetch media")


def store_attachment(attachment_id: int) -> None:
    """Fetch, check and store one attachment (idempotent: a stored one is left alone)."""
    settings = get_settings()
    with session_scope() as session:
        row = session.get(Attachment, attachment_id)
        if row is None or row.sha256 or row.rejected_reason:
            return
        inbox = session.get(InboxMessage, row.inbox_message_id)
        channel = inbox.channel if inbox else ""
        ref = MediaRef(url=row.source_url, path=row.path, content_type=row.content_type)
    values: dict[str, object]
    try:
        data, _ctype = fetch(channel, ref, settings)
        values = _checked(data, settings)
    except TemporarilyUnavailable:
        raise  # dramatiq retries with backoff
    except Exception as exc:  # noqa: BLE001 - any other failure is a reason shown to admins
        values = {"rejected_reason": f"{type(exc).__name__}: {exc}"[:255]}
    with session_scope() as session:
        row = session.get(Attachment, attachment_id)
        if row is not None:
            for key, value in values.items():
                setattr(row, key, value)
            if row.phash and row.report_id:
                session.flush()
                rescore(session, row.report_id)
    log.info(
        "attachment_stored",
        attachment_id=attachment_id,
        rejected=bool(values.get("rejected_reason")),
    )


def rescore(session: Session, report_id: int) -> None:
    """A report waiting for an admin got a photo hash: compare its candidates again.

    Triage rarely waits for photos (they are fetched after it), so the admin would compare
    scores without the photo evidence; a pushed or ready report is not re-decided.
    """
    report = session.get(Report, report_id)
    if report is None or report.state != ReportState.NEEDS_REVIEW.value:
        return
    settings = get_settings().triage
    near = [
        c for c in dedupe.candidates(session, report, settings) if c.score >= settings.review_above
    ]
    if not near and not report.candidates:
        return
    report.candidates = [c.as_json() for c in near]
    if near and "possible_duplicate" not in report.reasons:
        report.reasons = [*report.reasons, "possible_duplicate"]
    log.info("candidates_rescored", report_id=report_id, candidates=len(near))


def _checked(data: bytes, settings: Settings) -> dict[str, object]:
    info = inspect_photo(data)
    if not info.ok:
        return {"rejected_reason": info.reason[:255], "size": len(data)}
    clean = strip_exif(data)
    digest = hashlib.sha256(clean).hexdigest()
    folder = settings.var_dir / "media"
    folder.mkdir(parents=True, exist_ok=True)
    mime = sniff_type(clean)
    path = folder / f"{digest}.{mime.rsplit('/', 1)[-1]}"
    path.write_bytes(clean)
    return {
        "sha256": digest,
        "phash": info.phash,
        "width": info.width,
        "height": info.height,
        "size": len(clean),
        "content_type": mime,
        "path": str(path),
    }


def give_up(attachment_id: int, retries: int) -> None:
    """Downloads that kept failing: the attachment says so (admins see it; ops can retry)."""
    with session_scope() as session:
        row = session.get(Attachment, attachment_id)
        if row is not None and not (row.sha256 or row.rejected_reason):
            row.rejected_reason = f"not downloaded: provider unavailable after {retries} retries"
    log.warning("attachment_gave_up", attachment_id=attachment_id, retries=retries)
