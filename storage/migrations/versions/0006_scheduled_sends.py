"""scheduled sends: question sets started with a linked contact at a time

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduled_send",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("question_set_id", sa.String(length=64), nullable=False),
        sa.Column("requested_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "sent", "failed", name="sendstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_scheduled_send_contact_id_contact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_send")),
    )
    with op.batch_alter_table("scheduled_send", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduled_send_contact_id"), ["contact_id"])
        batch_op.create_index(batch_op.f("ix_scheduled_send_due_at"), ["due_at"])


def downgrade() -> None:
    with op.batch_alter_table("scheduled_send", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_send_due_at"))
        batch_op.drop_index(batch_op.f("ix_scheduled_send_contact_id"))
    op.drop_table("scheduled_send")
