"""action log, demo marks and dashboard tokens

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dashboard_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["dashboard_user.id"],
            name=op.f("fk_dashboard_token_user_id_dashboard_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_token")),
        sa.UniqueConstraint("prefix", name=op.f("uq_dashboard_token_prefix")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_dashboard_token_token_hash")),
    )
    with op.batch_alter_table("dashboard_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dashboard_token_user_id"), ["user_id"], unique=False)

    op.create_table(
        "action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("decision", sa.Text(), nullable=False),
        sa.Column("risks", sa.Text(), nullable=False),
        sa.Column("change", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=100), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "in_progress",
                "done",
                "dropped",
                name="actionstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_action_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action")),
    )
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_service_id"), ["service_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_status"), ["status"], unique=False)

    op.create_table(
        "action_review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("question_set_id", sa.String(length=64), nullable=False),
        sa.Column("theme_only", sa.Boolean(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("same_people", "service", name="reviewaudience", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_review_action_id_action")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_review")),
    )
    with op.batch_alter_table("action_review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_review_action_id"), ["action_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_action_review_due_at"), ["due_at"], unique=False)

    op.create_table(
        "action_review_ask",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("send_id", sa.Integer(), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_action_review_ask_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_action_review_ask_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["action_review.id"],
            name=op.f("fk_action_review_ask_review_id_action_review"),
        ),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["scheduled_send.id"],
            name=op.f("fk_action_review_ask_send_id_scheduled_send"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_review_ask")),
        sa.UniqueConstraint("review_id", "person_id", name=op.f("uq_action_review_ask_review_id")),
    )
    with op.batch_alter_table("action_review_ask", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_action_review_ask_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_action_review_ask_review_id"), ["review_id"], unique=False
        )

    op.create_table(
        "action_response",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["action_id"], ["action.id"], name=op.f("fk_action_response_action_id_action")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_action_response_response_id_response")
        ),
        sa.PrimaryKeyConstraint("action_id", "response_id", name=op.f("pk_action_response")),
    )
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("demo", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("demo")

    op.drop_table("action_response")
    with op.batch_alter_table("action_review_ask", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_review_ask_review_id"))
        batch_op.drop_index(batch_op.f("ix_action_review_ask_person_id"))

    op.drop_table("action_review_ask")
    with op.batch_alter_table("action_review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_review_due_at"))
        batch_op.drop_index(batch_op.f("ix_action_review_action_id"))

    op.drop_table("action_review")
    with op.batch_alter_table("action", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_action_status"))
        batch_op.drop_index(batch_op.f("ix_action_service_id"))

    op.drop_table("action")
    with op.batch_alter_table("dashboard_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dashboard_token_user_id"))

    op.drop_table("dashboard_token")
