"""Work to enqueue once the database transaction that justifies it has committed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Steps to run after commit (each sends one dramatiq message).
AfterCommit = list[Callable[[], None]]


def later(actor_name: str, *args: Any) -> Callable[[], None]:
    """A step that sends `actor_name(*args)`; run it only after the transaction committed."""

    def step() -> None:
        from pipeline import actors  # noqa: PLC0415  (actors import the stages that use this)

        getattr(actors, actor_name).send(*args)

    return step


def run(steps: AfterCommit) -> None:
    """Run after-commit steps in order."""
    for step in steps:
        step()
