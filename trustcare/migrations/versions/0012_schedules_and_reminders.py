"""appointments, check-in schedules and reminders

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trustcare.models
from trustcare.encryption import EncryptedText

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = trustcare.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("couple") as batch:
        batch.add_column(sa.Column("next_session_at", UTC, nullable=True))
        batch.add_column(
            sa.Column("session_rhythm", sa.String(length=16), nullable=False, server_default="once")
        )
        batch.add_column(sa.Column("schedule", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("schedule_since", sa.Date(), nullable=True))
    with op.batch_alter_table("partner") as batch:
        batch.add_column(sa.Column("reminders_stopped_at", UTC, nullable=True))
    with op.batch_alter_table("checkin_link") as batch:
        batch.add_column(sa.Column("token_sealed", EncryptedText(), nullable=True))
    op.create_table(
        "reminder",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("window_key", sa.String(length=10), nullable=False),
        sa.Column("window_closes_at", UTC, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_until", UTC, nullable=True),
        sa.Column("next_attempt_at", UTC, nullable=True),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("last_error", sa.String(length=120), nullable=False, server_default=""),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint(
            "status IN ('sending', 'sent', 'retry', 'failed')", name=op.f("ck_reminder_status")
        ),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couple.id"],
            name=op.f("fk_reminder_couple_id_couple"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_reminder_partner_id_partner"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder")),
        sa.UniqueConstraint(
            "partner_id", "window_key", name=op.f("uq_reminder_partner_id_window_key")
        ),
    )
    op.create_index("ix_reminder_status_next", "reminder", ["status", "next_attempt_at"])
    op.create_index("ix_reminder_couple", "reminder", ["couple_id"])


def _drop_columns(table: str, *columns: str) -> None:
    """Drop columns in place. On SQLite a batch rebuild would drop and recreate the table,
    and with foreign keys on, dropping `couple` or `partner` cascades to every check-in and
    session; SQLite 3.35+ drops a plain column in place instead."""
    if op.get_bind().dialect.name == "sqlite":
        for column in columns:
            op.execute(f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
        return
    with op.batch_alter_table(table) as batch:
        for column in columns:
            batch.drop_column(column)


def downgrade() -> None:
    op.drop_index("ix_reminder_couple", table_name="reminder")
    op.drop_index("ix_reminder_status_next", table_name="reminder")
    op.drop_table("reminder")
    _drop_columns("checkin_link", "token_sealed")
    _drop_columns("partner", "reminders_stopped_at")
    _drop_columns("couple", "schedule_since", "schedule", "session_rhythm", "next_session_at")
