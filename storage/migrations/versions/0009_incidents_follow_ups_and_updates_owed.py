"""incidents, their follow-ups to people and families, and updates owed to them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "fall",
                "medication",
                "injury",
                "distressed_behaviour",
                "restrictive_practice",
                "missing_person",
                "safeguarding",
                "environment",
                "other",
                name="incidenttype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("notifiable", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("person_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("family_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("apology_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("apology_by", sa.String(length=100), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_incident_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident")),
    )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_service_id"), ["service_id"])

    op.create_table(
        "incident_person",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incident.id"], name=op.f("fk_incident_person_incident_id_incident")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_incident_person_person_id_person")
        ),
        sa.PrimaryKeyConstraint("incident_id", "person_id", name=op.f("pk_incident_person")),
    )
    op.create_table(
        "incident_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(
            "audience",
            sa.Enum("person", "family", name="followupaudience", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("question_set_id", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "sent",
                "answered",
                "not_reached",
                "refused",
                name="followupstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("send_id", sa.Integer(), nullable=True),
        sa.Column("conversation_id", sa.String(length=36), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_incident_follow_up_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversation.id"],
            name=op.f("fk_incident_follow_up_conversation_id_conversation"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_follow_up_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_incident_follow_up_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["send_id"],
            ["scheduled_send.id"],
            name=op.f("fk_incident_follow_up_send_id_scheduled_send"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_follow_up")),
    )
    with op.batch_alter_table("incident_follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_follow_up_due_at"), ["due_at"])
        batch_op.create_index(batch_op.f("ix_incident_follow_up_incident_id"), ["incident_id"])
        batch_op.create_index(batch_op.f("ix_incident_follow_up_status"), ["status"])

    op.create_table(
        "incident_update_owed",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("respondent_role", sa.String(length=32), nullable=False),
        sa.Column("response_id", sa.Integer(), nullable=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("given_by", sa.String(length=100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_incident_update_owed_contact_id_contact")
        ),
        sa.ForeignKeyConstraint(
            ["follow_up_id"],
            ["incident_follow_up.id"],
            name=op.f("fk_incident_update_owed_follow_up_id_incident_follow_up"),
        ),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
            name=op.f("fk_incident_update_owed_incident_id_incident"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_incident_update_owed_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["response_id"],
            ["response.id"],
            name=op.f("fk_incident_update_owed_response_id_response"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_update_owed")),
        sa.UniqueConstraint("response_id", name=op.f("uq_incident_update_owed_response_id")),
    )
    with op.batch_alter_table("incident_update_owed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incident_update_owed_due_at"), ["due_at"])
        batch_op.create_index(batch_op.f("ix_incident_update_owed_incident_id"), ["incident_id"])

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_conversation_incident_id"), ["incident_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_conversation_incident_id_incident"), "incident", ["incident_id"], ["id"]
        )

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_response_incident_id"), ["incident_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_response_incident_id_incident"), "incident", ["incident_id"], ["id"]
        )

    with op.batch_alter_table("scheduled_send", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_scheduled_send_incident_id_incident"),
            "incident",
            ["incident_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("scheduled_send", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_scheduled_send_incident_id_incident"), type_="foreignkey"
        )
        batch_op.drop_column("incident_id")

    with op.batch_alter_table("response", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_response_incident_id_incident"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_response_incident_id"))
        batch_op.drop_column("incident_id")

    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_conversation_incident_id_incident"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_conversation_incident_id"))
        batch_op.drop_column("incident_id")

    with op.batch_alter_table("incident_update_owed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_update_owed_incident_id"))
        batch_op.drop_index(batch_op.f("ix_incident_update_owed_due_at"))

    op.drop_table("incident_update_owed")
    with op.batch_alter_table("incident_follow_up", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_follow_up_status"))
        batch_op.drop_index(batch_op.f("ix_incident_follow_up_incident_id"))
        batch_op.drop_index(batch_op.f("ix_incident_follow_up_due_at"))

    op.drop_table("incident_follow_up")
    op.drop_table("incident_person")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_service_id"))

    op.drop_table("incident")
