"""geo_box: the map-cell index also holds the pin, so the box is tested before the row is read

Revision ID: 0009_geo_box
Revises: 0008_keys_version
Create Date: 2026-11-23 19:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0009_geo_box"
down_revision: str | Sequence[str] | None = "0008_keys_version"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    # pipeline/blocking.py, blocks g0-g3: a cell's most recent pins *inside the box around the
    # new pin*, not its most recent pins then the box: in a dense cell (600 m, hundreds of pins
    # a week) the latter kept only pins outside the box. With lat/lon in the index, the box is
    # checked on index entries, and only pins inside it cost a table row.
    op.drop_index("ix_report_geo", table_name="report")
    op.create_index("ix_report_geo", "report", ["geo_cell", "category", "created_at", "lat", "lon"])


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_report_geo", table_name="report")
    op.create_index("ix_report_geo", "report", ["geo_cell", "category", "created_at"])
