"""safeguarding leads per service, notices that tell them of alerts, and who acknowledged

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "safeguarding_lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("telegram_chat_id", sa.BigInteger(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=100), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_safeguarding_lead_service_id_service")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safeguarding_lead")),
        sa.UniqueConstraint("service_id", "position", name=op.f("uq_safeguarding_lead_service_id")),
    )
    with op.batch_alter_table("safeguarding_lead", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_safeguarding_lead_service_id"), ["service_id"])

    op.create_table(
        "alert_notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column(
            "medium",
            sa.Enum("telegram", "email", name="noticemedium", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sent", "cancelled", name="noticestatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["safeguarding_alert.id"],
            name=op.f("fk_alert_notice_alert_id_safeguarding_alert"),
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["safeguarding_lead.id"],
            name=op.f("fk_alert_notice_lead_id_safeguarding_lead"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_notice")),
        sa.UniqueConstraint(
            "alert_id", "lead_id", "medium", "round", name=op.f("uq_alert_notice_alert_id")
        ),
    )
    with op.batch_alter_table("alert_notice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_notice_alert_id"), ["alert_id"])
        batch_op.create_index(batch_op.f("ix_alert_notice_due_at"), ["due_at"])

    with op.batch_alter_table("safeguarding_alert", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_by", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("acknowledged_lead_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_safeguarding_alert_acknowledged_lead_id_safeguarding_lead"),
            "safeguarding_lead",
            ["acknowledged_lead_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("safeguarding_alert", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_safeguarding_alert_acknowledged_lead_id_safeguarding_lead"),
            type_="foreignkey",
        )
        batch_op.drop_column("acknowledged_lead_id")
        batch_op.drop_column("acknowledged_by")
        batch_op.drop_column("acknowledged_at")
    with op.batch_alter_table("alert_notice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_notice_due_at"))
        batch_op.drop_index(batch_op.f("ix_alert_notice_alert_id"))
    op.drop_table("alert_notice")
    with op.batch_alter_table("safeguarding_lead", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_safeguarding_lead_service_id"))
    op.drop_table("safeguarding_lead")
