"""indexes for the dashboard's filters on answers

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

INDEXES = (
    ("ix_response_channel_created_at", ["channel", "created_at"]),
    ("ix_response_question_set_id_created_at", ["question_set_id", "created_at"]),
    ("ix_response_answer_value_created_at", ["answer_value", "created_at"]),
)


def upgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        for name, _ in reversed(INDEXES):
            batch_op.drop_index(name)
