"""`intake crm`: officer actions on the embedded CRM core (list, show, move, sla)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from config.settings import get_settings
from crm_client.base import InvalidTrackingNumber
from crm_core.service import CRMCore, RequestNotFound
from crm_core.statuses import DESCRIPTIONS, TransitionNotAllowed, parse_status
from pipeline.crm import core_database_url

crm_app = typer.Typer(help="Officer actions on the embedded CRM core.", no_args_is_help=True)
console = Console()
WIB = timezone(timedelta(hours=7), "WIB")


def _core() -> CRMCore:
    settings = get_settings()
    if settings.crm.backend != "embedded":
        console.print("[red]INTAKE_CRM__BACKEND is open311: officers work in that CRM, not here.")
        raise typer.Exit(2)
    return CRMCore(core_database_url(settings))


def _wib(value: datetime | None) -> str:
    return value.astimezone(WIB).strftime("%d-%m-%Y %H:%M") if value else "-"


@crm_app.command("list")
def list_reports(
    status: Annotated[
        list[str] | None, typer.Option("--status", "-s", help="e.g. Menunggu")
    ] = None,
    kelurahan: Annotated[str, typer.Option(help="Kemendagri code, e.g. 31.71.03.1005")] = "",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
) -> None:
    """Newest reports first, with their status and area."""
    try:
        found = _core().search(status=status, kelurahan_code=kelurahan, limit=limit)
    except ValueError as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(2) from None
    table = Table("Nomor", "Status", "Kategori", "Kelurahan", "Masuk (WIB)", "OPD")
    for item in found:
        table.add_row(
            item.tracking_number,
            item.status,
            item.category,
            item.kelurahan_name or item.kelurahan_code,
            _wib(item.created_at),
            item.opd,
        )
    console.print(table)


@crm_app.command()
def show(
    number: str,
    contact: Annotated[bool, typer.Option(help="Also print the citizen's contact data")] = False,
) -> None:
    """One report with its full status history."""
    try:
        item = _core().get(number)
    except InvalidTrackingNumber as exc:
        console.print(f"[red]{exc.hint}")
        raise typer.Exit(2) from None
    if item is None:
        console.print(f"[yellow]Laporan {number} tidak ditemukan.")
        raise typer.Exit(1)
    console.print(
        f"[bold]{item.tracking_number}[/] {item.status} - {DESCRIPTIONS[parse_status(item.status)]}"
    )
    console.print(f"{item.category} / {item.opd} / {item.kelurahan_name} {item.kelurahan_code}")
    console.print(item.description, markup=False)
    console.print(f"Alamat: {item.address}", markup=False)
    if contact:
        console.print(
            f"Kontak: {item.contact_name} {item.contact_phone} {item.contact_email}", markup=False
        )
    table = Table("Waktu (WIB)", "Status", "Petugas", "Catatan", "Foto")
    for event in item.history:
        table.add_row(
            _wib(event.at), event.status, event.officer, event.note, "\n".join(event.photo_urls)
        )
    console.print(table)


@crm_app.command()
def move(
    number: str,
    status: str,
    officer: Annotated[str, typer.Option(help="Who makes the move (kept internal)")],
    note: Annotated[str, typer.Option(help="Shown to the citizen on the tracking page")] = "",
    photo: Annotated[list[str] | None, typer.Option(help="Photo URL (repeatable)")] = None,
) -> None:
    """Move a report one allowed step (Validasi may go back to Tindak Lanjut with a note)."""
    try:
        moved = _core().transition(number, status, officer, note, photo or [])
    except InvalidTrackingNumber as exc:
        console.print(f"[red]{exc.hint}")
        raise typer.Exit(2) from None
    except RequestNotFound:
        console.print(f"[yellow]Laporan {number} tidak ditemukan.")
        raise typer.Exit(1) from None
    except (TransitionNotAllowed, ValueError) as exc:
        console.print(f"[red]{exc}")
        raise typer.Exit(1) from None
    console.print(f"{moved.tracking_number}: {moved.history[-2].status} -> [bold]{moved.status}[/]")


@crm_app.command()
def sla(limit: Annotated[int, typer.Option(min=1)] = 50) -> None:
    """Reports past the 6-hour coordination or 7-day resolution clock, and counts."""
    report = _core().sla_breaches(limit=limit)
    console.print(
        f"Terbuka, terlambat koordinasi (>6 jam): {report.open_late_coordination}\n"
        f"Terbuka, terlambat selesai (>7 hari): {report.open_late_resolution}\n"
        f"Dikoordinasikan terlambat (total): {report.closed_late_coordination}\n"
        f"Diselesaikan terlambat (total): {report.closed_late_resolution}"
    )
    table = Table("Nomor", "Batas", "Status", "Masuk (WIB)", "Jatuh tempo (WIB)", "OPD")
    for breach in report.breaches:
        table.add_row(
            breach.tracking_number,
            breach.clock,
            breach.status,
            _wib(breach.created_at),
            _wib(breach.due_at),
            breach.opd,
        )
    console.print(table)
