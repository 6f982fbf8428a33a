"""kiosks, and the first names and photos a kiosk offers

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_kiosk_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kiosk")),
        sa.UniqueConstraint("prefix", name=op.f("uq_kiosk_prefix")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_kiosk_token_hash")),
    )
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kiosk_service_id"), ["service_id"], unique=False)

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_name", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("photo", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("photo_type", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("photo_type")
        batch_op.drop_column("photo")
        batch_op.drop_column("first_name")
    with op.batch_alter_table("kiosk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kiosk_service_id"))
    op.drop_table("kiosk")
