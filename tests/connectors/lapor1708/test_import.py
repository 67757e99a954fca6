"""The admins' CSV/XLSX exports: every report once, flags kept, bad rows flagged."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook

from connectors.lapor1708.importer import import_file, parse_file, read_rows
from tests.fakes.intake_sink import MemorySink

CSV = Path(__file__).parents[2] / "fixtures" / "lapor1708" / "export_laporan.csv"


class AcceptingSink(MemorySink):
    """MemorySink with accept() (one message at a time, idempotent)."""

    def accept(self, msg: Any, *, hold_reason: str = "") -> Any:
        created = self.accept_batch_rows([msg])[0]
        return type("Ack", (), {"created": created, "inbox_id": 0})()

    def accept_batch_rows(self, msgs: list[Any]) -> list[bool]:
        created = []
        for msg in msgs:
            key = (msg.channel, msg.external_id)
            created.append(key not in self.rows)
            self.rows.setdefault(key, msg)
        return created


def _xlsx_copy(tmp_path: Path) -> Path:
    """The same export saved as XLSX the way Excel stores it: title row, real dates, numbers."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Rekap Laporan SP4N-LAPOR! Pemprov DKI Jakarta"])
    rows = list(read_rows(CSV))
    sheet.append(list(rows[0]))
    for row in rows:
        values = dict(row)
        tracking = values["ID Tracking"].lstrip("#")
        values["ID Tracking"] = int(tracking) if tracking else None  # Excel keeps it a number
        values["Tanggal Laporan"] = datetime.strptime(values["Tanggal Laporan"], "%d/%m/%Y %H:%M")
        sheet.append(list(values.values()))
    path = tmp_path / "export_laporan.xlsx"
    book.save(path)
    return path


def test_csv_export_reports_with_flags_and_jakarta_time() -> None:
    msgs, bad = parse_file(CSV)
    assert [m.external_id for m in msgs] == ["4821907", "4821911", "4821915", "4821920"]
    road, pungli, flood, lamp = msgs
    assert road.text.startswith("Jalan rusak di Jl. Raya Bogor\n\nJalan berlubang")
    assert "Lokasi: Kramat Jati, Jakarta Timur" in road.text
    assert road.received_at.isoformat() == "2026-11-23T00:41:00+00:00"  # 07:41 WIB
    assert pungli.anonymous and pungli.confidential
    assert pungli.sender.handle == "" and "081200000002" not in str(pungli.raw)
    assert road.sender.name == "Warga Kramat Jati" and not road.anonymous
    assert flood.text.startswith("Banjir setinggi 50 cm")  # no title: the text alone
    assert lamp.confidential and not lamp.anonymous
    assert [b.error for b in bad] == ["export_laporan.csv row 5: no LAPOR tracking id"]


def test_xlsx_export_reads_the_same_reports(tmp_path: Path) -> None:
    from_csv, _ = parse_file(CSV)
    from_xlsx, bad = parse_file(_xlsx_copy(tmp_path))
    assert [m.external_id for m in from_xlsx] == [m.external_id for m in from_csv]
    assert [m.received_at for m in from_xlsx] == [m.received_at for m in from_csv]
    assert len(bad) == 1


def test_importing_twice_adds_nothing(tmp_path: Path) -> None:
    sink = AcceptingSink()
    first = import_file(CSV, sink)
    second = import_file(_xlsx_copy(tmp_path), sink)  # the next day's export overlaps
    assert (first.created, first.existing) == (4, 0)
    assert (second.created, second.existing) == (0, 4)
    assert len(sink.malformed) == 1
    assert not sink.checkpoints  # an import never moves the feed poller's cursor


def test_export_without_tracking_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "salah.csv"
    path.write_text("Judul;Isi\nBanjir;Banjir di Kemang\n")
    with pytest.raises(ValueError, match="tracking id column"):
        parse_file(path)
