"""`intake retention purge`: blank citizens' contact data of long-closed reports (UU 27/2022)."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

retention_app = typer.Typer(
    help="Retention of personal data (UU 27/2022): see docs/operations.md.",
    no_args_is_help=True,
)


@retention_app.command("purge")
def purge_cmd(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only count what would be blanked.")
    ] = False,
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Override INTAKE_OPS__CONTACT_RETENTION_DAYS for this run."),
    ] = None,
) -> None:
    """Blank contact data of reports closed longer than the retention period, delete desk scans."""
    from intake.runtime import bootstrap  # noqa: PLC0415
    from pipeline.db import session_scope  # noqa: PLC0415
    from pipeline.retention import purge  # noqa: PLC0415

    settings = bootstrap()
    keep = days or settings.ops.contact_retention_days
    result = purge(
        session_scope,
        keep,
        dry_run=dry_run,
        actor=f"cli:{getpass.getuser()}",
        var_dir=settings.var_dir,
    )
    verb = "would blank" if dry_run else "blanked"
    typer.echo(
        f"{verb} contact data of {result.reports} report(s) closed more than {keep} days ago: "
        f"{result.messages} message(s), {result.contacts} contact(s), {result.replies} reply(ies), "
        f"{result.files} walk-in desk file(s)"
    )
