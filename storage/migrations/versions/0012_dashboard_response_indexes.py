"""indexes for the dashboard's reads of answers

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-23 20:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.create_index(
            "ix_response_service_id_created_at", ["service_id", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_response_channel"), ["channel"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_response_question_set_id"), ["question_set_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_response_answer_value"), ["answer_value"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_answer_value"))
        batch_op.drop_index(batch_op.f("ix_response_question_set_id"))
        batch_op.drop_index(batch_op.f("ix_response_channel"))
        batch_op.drop_index("ix_response_service_id_created_at")
