"""Desk uploads on disk: photos without EXIF, letter scans as received, content-addressed."""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

from connectors.walkin.uploads import PDF_TYPE, CheckedUpload, StoredFile
from normalizers.photos import strip_exif

_EXT = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "jpg",  # strip_exif re-encodes HEIC as JPEG
    PDF_TYPE: "pdf",
}


def upload_dir(var_dir: Path) -> Path:
    """Where desk uploads live: var/walkin/ (the pipeline copies photos to var/media/)."""
    return var_dir / "walkin"


def save(upload: CheckedUpload, var_dir: Path) -> StoredFile:
    """Write one checked upload (EXIF stripped from images) and return its reference."""
    data = upload.data if upload.content_type == PDF_TYPE else strip_exif(upload.data)
    content_type = "image/jpeg" if upload.content_type == "image/heic" else upload.content_type
    digest = hashlib.sha256(data).hexdigest()
    folder = upload_dir(var_dir) / upload.role
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{_EXT[upload.content_type]}"
    if not path.exists():  # content-addressed: a double submit writes nothing new
        # A name of its own per writer: two threads saving the same photo (a double submit)
        # must not share a temporary file; the last atomic rename wins with identical bytes.
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)  # atomic on POSIX: readers never see half a file
    else:  # a fresh mtime: the retention sweep spares files younger than its grace period
        path.touch()
    return StoredFile(
        role=upload.role,
        path=str(path),
        content_type=content_type,
        size=len(data),
        sha256=digest,
    )


def read_document(var_dir: Path, path: str) -> bytes:
    """The bytes of a stored upload; refuses any path outside var/walkin/."""
    root = upload_dir(var_dir).resolve()
    resolved = Path(path).resolve()
    if not resolved.is_relative_to(root) or not resolved.is_file():
        raise FileNotFoundError("not a desk upload")
    return resolved.read_bytes()
