"""triage: duplicate candidates on the report, indexes for blocking and same-citizen lookups

Revision ID: 0004_triage
Revises: 0001
Create Date: 2026-11-23 12:35:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_triage"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("report", schema=None) as batch_op:
        # The possible duplicates an admin must compare (pipeline.dedupe.stored_candidates).
        batch_op.add_column(sa.Column("candidates", sa.JSON(), server_default="[]", nullable=False))
        # A kelurahan's most recent reports of any category, without sorting the kelurahan
        # (pipeline/blocking.py: the classifier's mistakes across categories).
        batch_op.create_index(
            "ix_report_kelurahan_recent", ["kelurahan_code", "created_at"], unique=False
        )
        # Same citizen again: their own open reports, by contact or by conversation.
        batch_op.create_index("ix_report_contact", ["contact_id", "created_at"], unique=False)
        batch_op.create_index(
            "ix_report_conversation", ["channel", "conversation_id", "created_at"], unique=False
        )


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_conversation")
        batch_op.drop_index("ix_report_contact")
        batch_op.drop_index("ix_report_kelurahan_recent")
        batch_op.drop_column("candidates")
