"""A LAPOR! report (feed JSON object or export row) -> InboundMessage (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from connectors.contract import InboundMessage, Sender

CHANNEL = "lapor1708"
WIB = timezone(timedelta(hours=7), "WIB")  # LAPOR! shows Jakarta times without a zone

#: Our field -> names it goes by: the partner feed's JSON keys first, then the column headers
#: of the admin exports (Indonesian), compared without case, spaces and punctuation.
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "tracking_id": (
        "tracking_id",
        "trackingid",
        "id tracking",
        "tracking id",
        "no tracking",
        "nomor tracking",
        "id laporan",
    ),
    "title": ("title", "judul", "judul laporan"),
    "content": ("content", "isi", "isi laporan", "laporan", "uraian"),
    "created_at": ("created_at", "date", "tanggal", "tanggal laporan", "tanggal masuk", "waktu"),
    "category": ("category", "kategori", "topik"),
    "location": ("location", "lokasi", "alamat", "lokasi kejadian"),
    "anonymous": ("is_anonymous", "anonymous", "anonim"),
    "confidential": ("is_secret", "secret", "is_confidential", "rahasia"),
    "sender_name": ("name", "reporter_name", "nama", "nama pelapor"),
    "sender_phone": ("phone", "reporter_phone", "no hp", "nomor hp", "telepon", "no telepon"),
    "source": ("source", "channel", "sumber", "kanal", "media"),
}
_TRUE = {"1", "true", "ya", "y", "yes", "iya", "anonim", "rahasia", "x", "v"}
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y",
)


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def resolve_columns(
    available: list[str], overrides: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Our field -> the record's actual key, using configured overrides, then aliases."""
    by_key = {_key(name): name for name in available}
    resolved: dict[str, str] = {}
    for field, aliases in FIELD_ALIASES.items():
        wanted = ((overrides or {}).get(field),) + aliases
        for alias in wanted:
            if alias and _key(alias) in by_key:
                resolved[field] = by_key[_key(alias)]
                break
    return resolved


def normalize_tracking_id(value: Any) -> str:
    """'#1916449', 1916449, 1916449.0 (Excel) -> '1916449'."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value if value is not None else "").strip().lstrip("#").strip()


def flag(value: Any) -> bool:
    """Yes/no cells and JSON booleans of LAPOR! exports and feeds."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return str(value or "").strip().lower() in _TRUE


def parse_when(value: Any) -> datetime | None:
    """Dates as feeds and spreadsheets give them; zone-less values are Jakarta time (WIB)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=WIB)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=WIB)
    text = str(value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=WIB)
    except ValueError:
        pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=WIB)
        except ValueError:
            continue
    raise ValueError(f"unreadable date {text!r}")


def _text(record: Mapping[str, Any], columns: dict[str, str], field: str) -> str:
    column = columns.get(field)
    value = record.get(column) if column else None
    return "" if value is None else str(value).strip()


def parse_record(record: Mapping[str, Any], columns: dict[str, str], *, via: str) -> InboundMessage:
    """One report; ValueError when it has no tracking id or no text (stored as malformed)."""
    tracking_id = normalize_tracking_id(record.get(columns.get("tracking_id", ""), None))
    title, content = _text(record, columns, "title"), _text(record, columns, "content")
    if not tracking_id:
        raise ValueError("no LAPOR tracking id")
    if not (title or content):
        raise ValueError("no report text")
    anonymous = flag(record.get(columns.get("anonymous", "")))
    confidential = flag(record.get(columns.get("confidential", "")))
    location = _text(record, columns, "location")
    body = content if not title or title.lower() in content.lower() else f"{title}\n\n{content}"
    if location and location.lower() not in body.lower():
        body = f"{body}\n\nLokasi: {location}"
    received = parse_when(record.get(columns.get("created_at", "")))
    # An anonymous reporter's identity stays with LAPOR!: we do not copy it (UU 27/2022).
    sender = (
        Sender()
        if anonymous
        else Sender(
            handle=_text(record, columns, "sender_phone"),
            name=_text(record, columns, "sender_name"),
        )
    )
    extra: dict[str, Any] = {"received_at": received.astimezone(UTC)} if received else {}
    return InboundMessage(
        channel=CHANNEL,
        external_id=tracking_id,
        sender=sender,
        text=body,
        conversation_id=tracking_id,
        confidential=confidential,
        anonymous=anonymous,
        reply_context={
            "lapor_tracking_id": tracking_id,
            "via": via,
            "no_reply": True,
            "category": _text(record, columns, "category"),
            "source": _text(record, columns, "source"),
        },
        raw={
            k: v
            for k, v in _jsonable(record).items()
            if not anonymous or k not in {columns.get("sender_name"), columns.get("sender_phone")}
        },
        **extra,
    )


def _jsonable(record: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in record.items():
        if isinstance(value, datetime | date):
            value = value.isoformat()
        elif value is not None and not isinstance(value, str | int | float | bool | list | dict):
            value = str(value)
        out[str(key)] = value
    return out
