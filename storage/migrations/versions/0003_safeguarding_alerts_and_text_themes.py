"""safeguarding alerts, text themes, tag corrections

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 10:21:00.970212
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "response_text_theme",
        sa.Column("response_id", sa.Integer(), nullable=False),
        sa.Column("theme_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_response_text_theme_response_id_response"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("response_id", "theme_id", name=op.f("pk_response_text_theme")),
    )
    with op.batch_alter_table("response_text_theme", schema=None) as batch_op:
        batch_op.create_index("ix_response_text_theme_theme", ["theme_id"], unique=False)

    op.create_table(
        "safeguarding_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "raised",
                "acknowledged",
                "escalated",
                "closed",
                name="alertstatus",
                native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("inbound_message_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_safeguarding_alert_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_safeguarding_alert_conversation_id_conversation"),
        ),
        sa.ForeignKeyConstraint(
            ["inbound_message_id"],
            ["inbound_message.id"],
            name=op.f("fk_safeguarding_alert_inbound_message_id_inbound_message"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_safeguarding_alert_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_safeguarding_alert_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_alert")),
        sa.UniqueConstraint(
            "inbound_message_id", name=op.f("uq_safeguarding_alert_inbound_message_id")
        ),
    )
    with op.batch_alter_table("safeguarding_alert", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_safeguarding_alert_raised_at"), ["raised_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_safeguarding_alert_service_id"), ["service_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_safeguarding_alert_status"), ["status"], unique=False)

    op.create_table(
        "tag_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("intent_before", sa.String(length=64), nullable=True),
        sa.Column("themes_before", sa.JSON(), nullable=False),
        sa.Column("intent", sa.String(length=64), nullable=True),
        sa.Column("themes", sa.JSON(), nullable=False),
        sa.Column("corrected_by", sa.String(length=100), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["response_id"], ["response.id"], name=op.f("fk_tag_correction_response_id_response")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tag_correction")),
    )
    with op.batch_alter_table("tag_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_tag_correction_response_id"), ["response_id"], unique=False
        )

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("intent", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("intent_confidence", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("theme_confidence", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_column("theme_confidence")
        batch_op.drop_column("intent_confidence")
        batch_op.drop_column("intent")

    with op.batch_alter_table("tag_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tag_correction_response_id"))

    op.drop_table("tag_correction")
    with op.batch_alter_table("safeguarding_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safeguarding_alert_status"))
        batch_op.drop_index(batch_op.f("ix_safeguarding_alert_service_id"))
        batch_op.drop_index(batch_op.f("ix_safeguarding_alert_raised_at"))

    op.drop_table("safeguarding_alert")
    with op.batch_alter_table("response_text_theme", schema=None) as batch_op:
        batch_op.drop_index("ix_response_text_theme_theme")

    op.drop_table("response_text_theme")
