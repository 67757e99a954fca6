"""blocking: precomputed dedupe keys with their indexes, and the SLA index; joins both heads

Revision ID: 0005_blocking
Revises: 0002_review, 0004_triage
Create Date: 2026-11-23 15:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_blocking"
down_revision: str | Sequence[str] | None = ("0002_review", "0004_triage")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply."""
    with op.batch_alter_table("report", schema=None) as batch_op:
        # NULL on existing rows: pipeline.dedupe computes their problem words when it meets them.
        batch_op.add_column(sa.Column("problem", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("street_key", sa.String(length=255), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("place_key", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("geo_cell", sa.BigInteger(), nullable=True))
        # Same street or landmark (or RW) in the kecamatan, most recent first.
        batch_op.create_index(
            "ix_report_place", ["kecamatan_code", "place_key", "created_at"], unique=False
        )
        # Pins in one map cell, same category, most recent first.
        batch_op.create_index("ix_report_geo", ["geo_cell", "category", "created_at"], unique=False)
        # pipeline/stats.sla_status counts pushed reports by CRM status and age: a covering index
        # instead of reading every pushed row.
        batch_op.create_index(
            "ix_report_sla", ["state", "crm_status", "state_changed_at"], unique=False
        )
    # Pins of existing reports get their map cell (pipeline.blocking.cell_of, same doubles);
    # their text keys stay empty and those reports are still found by kelurahan + category.
    floor = "FLOOR({})" if op.get_bind().dialect.name == "postgresql" else "CAST({} AS INTEGER)"
    # lat + 90 and lon + 180 are positive: CAST truncates, which is FLOOR there.
    cell = (
        f"{floor.format('(lat + 90) / 0.0055')} * 1000000 + {floor.format('(lon + 180) / 0.0055')}"
    )
    op.execute(f"UPDATE report SET geo_cell = {cell} WHERE lat IS NOT NULL AND lon IS NOT NULL")  # noqa: S608


def downgrade() -> None:
    """Revert."""
    with op.batch_alter_table("report", schema=None) as batch_op:
        batch_op.drop_index("ix_report_sla")
        batch_op.drop_index("ix_report_geo")
        batch_op.drop_index("ix_report_place")
        batch_op.drop_column("geo_cell")
        batch_op.drop_column("place_key")
        batch_op.drop_column("street_key")
        batch_op.drop_column("problem")
