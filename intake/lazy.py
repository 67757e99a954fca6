"""Subcommands imported when they run, not at start: `intake worker` never loads the CRM core.

Click's documented pattern for large CLIs ("Lazily Loading Subcommands",
https://click.palletsprojects.com/en/stable/complex/#lazily-loading-subcommands): the group
knows each subcommand by name and imports it in get_command. `intake --help` lists the declared
help lines instead of importing every subcommand (tests/intake/test_cli_startup.py checks that
each declared line is the subcommand's own).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, ClassVar

import click
import typer
from typer.core import TyperGroup


@dataclass(frozen=True)
class Lazy:
    """A subcommand kept in another module, and the line `intake --help` shows for it."""

    target: str  # "package.module:attribute": a typer.Typer app or a command function
    help: str


def load(name: str, lazy: Lazy) -> click.Command:
    """Import a subcommand's module and build its click command under `name`."""
    module, attribute = lazy.target.split(":")
    obj = getattr(importlib.import_module(module), attribute)
    # Built as `app.add_typer` / `app.command` would: under a parent without shell completion,
    # so the subcommand does not grow --install-completion options of its own.
    holder = typer.Typer(add_completion=False)
    if isinstance(obj, typer.Typer):
        holder.add_typer(obj, name=name)
        return typer.main.get_command(holder).commands[name]  # type: ignore[attr-defined]
    holder.command(name)(obj)
    return typer.main.get_command(holder)  # one command: typer returns it, not a group


class LazyGroup(TyperGroup):
    """A typer group whose `lazy` subcommands are imported on first use."""

    lazy: ClassVar[dict[str, Lazy]] = {}
    _listing = False  # inside format_help: only names and help lines are needed

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The commands defined here, then the lazy ones, in declaration order."""
        eager = super().list_commands(ctx)
        return [*eager, *(name for name in self.lazy if name not in eager)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A defined command; a lazy one imported now (or its help line while listing)."""
        if cmd_name in self.commands or cmd_name not in self.lazy:
            return super().get_command(ctx, cmd_name)
        lazy = self.lazy[cmd_name]
        if self._listing:
            return click.Command(cmd_name, help=lazy.help)
        command = load(cmd_name, lazy)
        self.commands[cmd_name] = command
        return command

    def format_help(self, ctx: click.Context, formatter: Any) -> None:
        """The group's help, listing lazy subcommands by their declared line (no imports)."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def lazy_group(commands: dict[str, Lazy]) -> type[LazyGroup]:
    """A LazyGroup class for `typer.Typer(cls=...)` with these lazy subcommands."""
    return type("IntakeGroup", (LazyGroup,), {"lazy": commands})
