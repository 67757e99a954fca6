"""`intake import <source> FILE`: bring exported reports into the inbox, idempotently."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import_app = typer.Typer(help="Import reports exported from other systems.", no_args_is_help=True)


@import_app.command("lapor1708")
def lapor1708(
    file: Annotated[
        Path,
        typer.Argument(
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV or XLSX export downloaded from SP4N-LAPOR!",
        ),
    ],
) -> None:
    """Import a LAPOR! export; reports already imported (same tracking id) are skipped."""
    from connectors.lapor1708 import import_file  # noqa: PLC0415
    from intake.runtime import bootstrap  # noqa: PLC0415

    settings = bootstrap()
    try:
        result = import_file(file, field_map=settings.lapor1708.field_map)
    except ValueError as exc:
        typer.echo(f"Impor gagal: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"{result.created} laporan baru, {result.existing} sudah ada, "
        f"{len(result.malformed)} baris tidak terbaca."
    )
    for item in result.malformed[:20]:
        typer.echo(f"  - {item.error}", err=True)
    if len(result.malformed) > 20:
        typer.echo(
            f"  ... dan {len(result.malformed) - 20} lainnya (lihat inbox: malformed)", err=True
        )
