"""Importer for the CSV/XLSX exports LAPOR! admins download: idempotent on the tracking id."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.contract import InboundMessage
from connectors.lapor1708.parse import CHANNEL, parse_record, resolve_columns
from connectors.poll_loop import Malformed


@dataclass
class ImportResult:
    """What an import did: new rows, rows already known, rows that could not be read."""

    created: int = 0
    existing: int = 0
    malformed: list[Malformed] = field(default_factory=list)


def _csv_rows(data: bytes) -> Iterator[dict[str, Any]]:
    text = data.decode("utf-8-sig", errors="replace")  # Excel writes a BOM
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # Indonesian Excel often uses ";"; the sniffer decides when it can
    yield from csv.DictReader(io.StringIO(text), dialect=dialect)


def _xlsx_rows(path: Path) -> Iterator[dict[str, Any]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only needed for spreadsheets

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header: list[str] = []
        for row in rows:
            if not header:  # the first row with text is the header (exports may have a title)
                cells = [str(c).strip() if c is not None else "" for c in row]
                header = cells if sum(bool(c) for c in cells) >= 2 else []
                continue
            if any(c not in (None, "") for c in row):
                yield {h: v for h, v in zip(header, row, strict=False) if h}
    finally:
        book.close()


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a CSV or XLSX export as dicts keyed by the header."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    if path.suffix.lower() in {".csv", ".txt"}:
        return _csv_rows(path.read_bytes())
    raise ValueError(f"unsupported file type {path.suffix!r}: use the CSV or XLSX export")


def parse_file(
    path: Path, field_map: dict[str, str] | None = None
) -> tuple[list[InboundMessage], list[Malformed]]:
    """All reports of an export; unreadable rows come back as Malformed (never dropped)."""
    msgs: list[InboundMessage] = []
    bad: list[Malformed] = []
    columns: dict[str, str] | None = None
    for number, row in enumerate(read_rows(path), start=2):
        columns = columns or resolve_columns(list(row), field_map)
        if "tracking_id" not in columns:
            raise ValueError("no tracking id column (e.g. 'ID Tracking') in the header")
        try:
            msgs.append(parse_record(row, columns, via=f"import:{path.name}"))
        except ValueError as exc:
            # keyed on the report's words, not cell types, so the same bad row in a CSV and in
            # an XLSX export (dates and numbers typed differently) is stored once
            words = [str(row.get(columns.get(f, "")) or "").strip() for f in ("title", "content")]
            digest = hashlib.sha256(json.dumps(words).encode())
            bad.append(
                Malformed(
                    f"malformed:import:{digest.hexdigest()[:32]}",
                    {k: (str(v) if v is not None else None) for k, v in row.items()},
                    f"{path.name} row {number}: {exc}",
                )
            )
    return msgs, bad


def import_file(
    path: Path, sink: Any = None, field_map: dict[str, str] | None = None
) -> ImportResult:
    """Store every report of an export through the intake sink; re-importing adds nothing."""
    if sink is None:
        from connectors import intake as sink  # noqa: PLC0415
    msgs, bad = parse_file(path, field_map)
    result = ImportResult(malformed=bad)
    for item in bad:
        sink.store_malformed(CHANNEL, item.external_id, item.raw, item.error)
    for msg in msgs:
        # accept(), not accept_batch(): an import must not move the feed poller's checkpoint.
        ack = sink.accept(msg)
        if ack.created:
            result.created += 1
        else:
            result.existing += 1
    return result
