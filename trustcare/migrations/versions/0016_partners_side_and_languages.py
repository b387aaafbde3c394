"""the partners' side and languages

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trustcare.encryption
import trustcare.models

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = trustcare.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("partner") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))
    with op.batch_alter_table("couple") as batch:
        batch.add_column(
            sa.Column("shows_own_progress", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    with op.batch_alter_table("checkin") as batch:
        batch.add_column(sa.Column("language", sa.String(8), nullable=False, server_default="en"))
        batch.add_column(sa.Column("entered_by", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_checkin_entered_by_counselor", "counselor", ["entered_by"], ["id"]
        )
    op.create_table(
        "session_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", UTC, nullable=False),
        sa.Column("measure_id", sa.String(80), nullable=False),
        sa.Column("measure_version", sa.Integer(), nullable=False),
        sa.Column("answers", trustcare.encryption.EncryptedJSON(), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("overall", sa.Integer(), nullable=True),
        sa.Column("comment", trustcare.encryption.EncryptedText(), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("entered_by", sa.Integer(), nullable=True),
        sa.Column("idempotency_key", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couple.id"],
            name="fk_session_feedback_couple_id_couple",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name="fk_session_feedback_partner_id_partner",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["counseling_session.id"],
            name="fk_session_feedback_session_id_counseling_session",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["entered_by"], ["counselor.id"], name="fk_session_feedback_entered_by_counselor"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_session_feedback"),
        sa.UniqueConstraint(
            "session_id", "partner_id", name="uq_session_feedback_session_id_partner_id"
        ),
        sa.UniqueConstraint("idempotency_key", name="uq_session_feedback_idempotency_key"),
    )
    op.create_index("ix_session_feedback_couple", "session_feedback", ["couple_id"])


def downgrade() -> None:
    op.drop_index("ix_session_feedback_couple", table_name="session_feedback")
    op.drop_table("session_feedback")
    with op.batch_alter_table("checkin") as batch:
        batch.drop_constraint("fk_checkin_entered_by_counselor", type_="foreignkey")
        batch.drop_column("entered_by")
        batch.drop_column("language")
    with op.batch_alter_table("couple") as batch:
        batch.drop_column("shows_own_progress")
    with op.batch_alter_table("partner") as batch:
        batch.drop_column("language")
