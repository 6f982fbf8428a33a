"""the people who sign in to the web dashboard

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23 17:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin", "manager", "viewer", name="dashboardrole", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_user")),
        sa.UniqueConstraint("username", name=op.f("uq_dashboard_user_username")),
    )


def downgrade() -> None:
    op.drop_table("dashboard_user")
