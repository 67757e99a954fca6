"""`intake db upgrade`: Alembic migrations on the configured database, no alembic.ini needed."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

import migrations
from pipeline.db import get_engine

SCRIPT_LOCATION = str(Path(migrations.__file__).parent)


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(revision: str = "heads") -> None:
    """Bring the configured database to `revision` (idempotent; default: every branch head)."""
    engine = get_engine()
    cfg = alembic_config(str(engine.url.render_as_string(hide_password=False)))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


def pending() -> list[str]:
    """Revisions not yet applied to the configured database (empty when up to date)."""
    engine = get_engine()
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    # Applied = the current heads and everything below them (each branch from 0001 has its own).
    applied = (
        {
            rev.revision
            for rev in script.iterate_revisions(tuple(current), "base")
            if rev is not None
        }
        if current
        else set()
    )
    return [rev.revision for rev in script.walk_revisions() if rev.revision not in applied]
