"""admin review: accounts, sessions, report claims, login throttles

Revision ID: 0002_review
Revises: 0001
Create Date: 2026-11-23 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import pipeline.models  # noqa: F401  (custom column types)

revision: str = "0002_review"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

Str = sqlmodel.sql.sqltypes.AutoString
Aware = pipeline.models.AwareDateTime


def upgrade() -> None:
    """Apply."""
    op.create_table(
        "admin_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", Str(length=64), nullable=False),
        sa.Column("password_hash", Str(length=255), nullable=False),
        sa.Column("role", Str(length=32), nullable=False),
        sa.Column("kota_code", Str(length=8), nullable=False),
        sa.Column("kecamatan_code", Str(length=12), nullable=False),
        sa.Column("kelurahan_code", Str(length=16), nullable=False),
        sa.Column("channel", Str(length=32), nullable=False),
        sa.Column("office", Str(length=64), nullable=False),
        sa.Column("display_name", Str(length=100), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", Aware(timezone=True), nullable=True),
        sa.Column("created_at", Aware(timezone=True), nullable=False),
        sa.Column("last_login_at", Aware(timezone=True), nullable=True),
        sa.Column("lang", Str(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("username"),
    )
    op.create_table(
        "admin_session",
        sa.Column("token_hash", Str(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_secret", Str(length=64), nullable=False),
        sa.Column("created_at", Aware(timezone=True), nullable=False),
        sa.Column("last_seen_at", Aware(timezone=True), nullable=False),
        sa.Column("expires_at", Aware(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["admin_user.id"]),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_admin_session_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_admin_session_expires_at"), ["expires_at"], unique=False
        )
    op.create_table(
        "report_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("claimed_at", Aware(timezone=True), nullable=False),
        sa.Column("expires_at", Aware(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["report.id"]),
        sa.ForeignKeyConstraint(["user_id"], ["admin_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("report_id"),
    )
    with op.batch_alter_table("report_claim", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_report_claim_user_id"), ["user_id"], unique=False)
    op.create_table(
        "login_throttle",
        sa.Column("key", Str(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", Aware(timezone=True), nullable=False),
        sa.Column("locked_until", Aware(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    """Revert."""
    op.drop_table("login_throttle")
    with op.batch_alter_table("report_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_report_claim_user_id"))
    op.drop_table("report_claim")
    with op.batch_alter_table("admin_session", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_admin_session_expires_at"))
        batch_op.drop_index(batch_op.f("ix_admin_session_user_id"))
    op.drop_table("admin_session")
    op.drop_table("admin_user")
