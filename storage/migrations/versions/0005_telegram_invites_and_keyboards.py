"""Telegram: invites that link an account, the buttons sent, and voice notes on or off

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("voice_on", sa.Boolean(), nullable=False, server_default=sa.true())
        )

    op.create_table(
        "telegram_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("respondent_role", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["service_id"], ["service.id"], name=op.f("fk_telegram_invite_service_id_service")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_telegram_invite_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["contact.id"], name=op.f("fk_telegram_invite_contact_id_contact")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_invite")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_telegram_invite_code_hash")),
    )
    with op.batch_alter_table("telegram_invite", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_invite_service_id"), ["service_id"], unique=False
        )

    op.create_table(
        "telegram_keyboard",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=200), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("payloads", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_keyboard")),
    )
    with op.batch_alter_table("telegram_keyboard", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_telegram_keyboard_sender_id"), ["sender_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("telegram_keyboard", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_keyboard_sender_id"))
    op.drop_table("telegram_keyboard")
    with op.batch_alter_table("telegram_invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_invite_service_id"))
    op.drop_table("telegram_invite")
    with op.batch_alter_table("contact", schema=None) as batch_op:
        batch_op.drop_column("voice_on")
