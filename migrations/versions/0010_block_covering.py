"""block_covering: the kelurahan indexes hold what the kelurahan blocks read (index-only)

Revision ID: 0010_block_covering
Revises: 0009_geo_box
Create Date: 2026-11-23 19:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0010_block_covering"
down_revision: str | Sequence[str] | None = "0009_geo_box"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: pipeline.models.BLOCK_READS as of this revision (a migration never imports the models).
READS = [
    "state",
    "crm_status",
    "id",
    "lat",
    "lon",
    "kecamatan_code",
    "problem",
    "street_key",
    "place_key",
    "reference",
    "tracking_number",
]


def upgrade() -> None:
    """Apply."""
    # pipeline/blocking.py: the kelurahan + category block (up to 30 rows), its related- and
    # other-category blocks and the unread-kelurahan block read their rows from an index alone;
    # at 1M reports each table row was a random page. Both kelurahan indexes hold the columns,
    # so the planner never trades the ordered one (no sort) for the covering one (sort). Stored
    # problem words are capped at 300 characters (keys schema 2) so an entry stays far below
    # PostgreSQL's B-tree limit (~2.7 kB); older rows are cut here, rekey redoes them properly.
    op.execute("UPDATE report SET problem = substr(problem, 1, 300) WHERE length(problem) > 300")
    op.drop_index("ix_report_block", table_name="report")
    op.create_index(
        "ix_report_block", "report", ["kelurahan_code", "category", "created_at", *READS]
    )
    op.drop_index("ix_report_kelurahan_recent", table_name="report")
    op.create_index(
        "ix_report_kelurahan_recent", "report", ["kelurahan_code", "created_at", "category", *READS]
    )


def downgrade() -> None:
    """Revert."""
    op.drop_index("ix_report_kelurahan_recent", table_name="report")
    op.create_index("ix_report_kelurahan_recent", "report", ["kelurahan_code", "created_at"])
    op.drop_index("ix_report_block", table_name="report")
    op.create_index("ix_report_block", "report", ["kelurahan_code", "category", "created_at"])
