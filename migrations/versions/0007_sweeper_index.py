"""sweeper_index: the sweeper's longest-stuck-first queries read (state, updated_at) in order

Revision ID: 0007_sweeper_index
Revises: 0006_place_any
Create Date: 2026-11-23 18:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_sweeper_index"
down_revision: str | Sequence[str] | None = "0006_place_any"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    # pipeline/sweeper.find_stuck: WHERE state = 'new' | 'ready' AND updated_at < cutoff
    # ORDER BY updated_at, id LIMIT n. Walked in order from the oldest, the first n rows answer;
    # with (state) or (state, state_changed_at) every row of the state was read and sorted.
    op.create_index("ix_report_state_updated", "report", ["state", "updated_at"], unique=False)
    # The same query on 'received' messages: SQLite walked ix_inbox_message_updated_at over every
    # message older than the cutoff (the whole table) to find the few still received.
    op.create_index(
        "ix_inbox_state_updated", "inbox_message", ["state", "updated_at"], unique=False
    )


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_inbox_state_updated", table_name="inbox_message")
    op.drop_index("ix_report_state_updated", table_name="report")
