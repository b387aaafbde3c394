"""server-side logins, atomic login attempts, form submissions, unanswered safety questions,
room links and acknowledgement notes

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trustcare.models

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = trustcare.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "login",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC, nullable=False),
        sa.Column("ticket_used_at", UTC, nullable=True),
        sa.Column("ended_at", UTC, nullable=True),
        sa.ForeignKeyConstraint(
            ["counselor_id"],
            ["counselor.id"],
            name=op.f("fk_login_counselor_id_counselor"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login")),
    )
    op.create_index("ix_login_counselor", "login", ["counselor_id"], unique=False)
    op.create_table(
        "login_attempt",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_started_at", UTC, nullable=False),
        sa.Column("last_attempt_at", UTC, nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_attempt")),
    )
    op.create_table(
        "submission",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["practice_id"],
            ["practice.id"],
            name=op.f("fk_submission_practice_id_practice"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_submission")),
    )
    with op.batch_alter_table("checkin") as batch:
        batch.alter_column("safety_flag", existing_type=sa.Boolean(), nullable=True)
    with op.batch_alter_table("checkin_link") as batch:
        batch.add_column(
            sa.Column(
                "purpose", sa.String(length=16), server_default="personal", nullable=False
            )
        )
        batch.add_column(sa.Column("used_at", UTC, nullable=True))
    with op.batch_alter_table("alert_acknowledgement") as batch:
        batch.add_column(sa.Column("note", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("alert_acknowledgement") as batch:
        batch.drop_column("note")
    with op.batch_alter_table("checkin_link") as batch:
        batch.drop_column("used_at")
        batch.drop_column("purpose")
    op.execute("UPDATE checkin SET safety_flag = false WHERE safety_flag IS NULL")
    with op.batch_alter_table("checkin") as batch:
        batch.alter_column("safety_flag", existing_type=sa.Boolean(), nullable=False)
    op.drop_table("submission")
    op.drop_table("login_attempt")
    op.drop_index("ix_login_counselor", table_name="login")
    op.drop_table("login")
