"""keys_version: which word lists and stemmer computed a report's stored dedupe keys

Revision ID: 0008_keys_version
Revises: 0007_sweeper_index
Create Date: 2026-11-23 19:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_keys_version"
down_revision: str | Sequence[str] | None = "0007_sweeper_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    # pipeline/keys_version.py: '' on rows stored before, which `intake db rekey` then counts as
    # stale (their keys may come from older word lists).
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keys_version", sa.String(length=16), server_default="", nullable=False)
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_column("keys_version")
