"""place_any: a report's place key across the city, for areas the normalizer misread

Revision ID: 0006_place_any
Revises: 0005_blocking
Create Date: 2026-11-23 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_place_any"
down_revision: str | Sequence[str] | None = "0005_blocking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    # pipeline/blocking.py block "pa": the street whatever kecamatan each report resolved to
    # (a typo in the kelurahan name leaves it unresolved, or resolved to its namesake).
    op.create_index("ix_report_place_any", "report", ["place_key", "created_at"], unique=False)


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_report_place_any", table_name="report")
