"""`intake normalize --jsonl FILE`: normalize JSON lines, print one result line per input line."""

from __future__ import annotations

import json
import pathlib
import sys
from typing import Any

import typer

from connectors.contract import InboundMessage, Location
from normalizers.report import build_draft


def normalize_record(record: dict[str, Any]) -> dict[str, Any]:
    """One input object {"id", "text", optional "location"} -> the normalized fields."""
    loc = record.get("location")
    msg = InboundMessage(
        channel="jsonl",
        external_id=str(record["id"]),
        text=str(record.get("text") or ""),
        location=Location(
            lat=float(loc["lat"]), lon=float(loc["lon"]), source=str(loc.get("source", "shared"))
        )
        if isinstance(loc, dict)
        else None,
    )
    draft = build_draft(msg)
    area = draft.area
    return {
        "id": record["id"],
        "kota_code": area.kota_code,
        "kecamatan_code": area.kecamatan_code,
        "kelurahan_code": area.kelurahan_code,
        "confidence": area.confidence,
        "address": draft.address_text,
        "category": draft.category,
        "opd": draft.opd,
        "emergency": draft.emergency,
        "missing": draft.missing,
        "outside_jakarta": area.outside_jakarta,
        "candidates": area.candidates,
    }


def normalize(
    jsonl: pathlib.Path = typer.Option(  # noqa: B008 - typer's declared-option style
        ...,
        "--jsonl",
        exists=True,
        readable=True,
        dir_okay=False,
        help='JSON lines: {"id", "text", optional "location": {"lat", "lon"}}.',
    ),
) -> None:
    """Normalize complaint texts: Kemendagri area codes, category, OPD, emergency, missing."""
    out = sys.stdout
    with jsonl.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                if not isinstance(record, dict) or "id" not in record:
                    raise ValueError('expected an object with an "id"')
                result = normalize_record(record)
            except (ValueError, KeyError, TypeError) as exc:
                print(f"line {number}: skipped: {exc}", file=sys.stderr)
                continue
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
