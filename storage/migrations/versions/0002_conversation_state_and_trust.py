"""conversation state in the store, contacts, API keys, audit log

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 08:48:58.422278
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
        sa.UniqueConstraint("prefix", name=op.f("uq_api_key_prefix")),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("respondent_role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_contact_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_contact_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
        sa.UniqueConstraint("sender_id", name=op.f("uq_contact_sender_id")),
    )
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column("stage", sa.String(length=20), nullable=False, server_default="consent")
        )
        batch_op.add_column(sa.Column("question_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("after_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pending", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("turn", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.create_index(
            batch_op.f("ix_conversation_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_conversation_contact_id_contact"), "contact", ["contact_id"], ["id"]
        )

    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "time_zone", sa.String(length=64), nullable=False, server_default="Europe/London"
            )
        )

    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("conversation_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_inbound_message_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_inbound_message_conversation_id"), ["conversation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_inbound_message_contact_id_contact"), "contact", ["contact_id"], ["id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_inbound_message_conversation_id_conversation"),
            "conversation",
            ["conversation_id"],
            ["id"],
        )

    # Conversations that already ended stay ended; a withdrawal keeps its time.
    op.execute(
        "UPDATE conversation SET stage = 'ended' "
        "WHERE status IN ('declined', 'finished', 'stopped', 'withdrawn')"
    )
    op.execute("UPDATE conversation SET withdrawn_at = finished_at WHERE status = 'withdrawn'")


def downgrade() -> None:
    with op.batch_alter_table("inbound_message", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_inbound_message_conversation_id_conversation"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_inbound_message_contact_id_contact"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_inbound_message_conversation_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_message_contact_id"))
        batch_op.drop_column("conversation_id")
        batch_op.drop_column("contact_id")

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_conversation_contact_id_contact"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_conversation_contact_id"))
        batch_op.drop_column("version")
        batch_op.drop_column("turn")
        batch_op.drop_column("pending")
        batch_op.drop_column("after_id")
        batch_op.drop_column("question_id")
        batch_op.drop_column("stage")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("contact_id")

    with op.batch_alter_table("service", schema=None) as batch_op:
        batch_op.drop_column("time_zone")

    op.drop_table("contact")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
    op.drop_table("api_key")
