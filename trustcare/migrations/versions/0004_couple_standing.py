"""couple standing: each couple's caseload row as evaluated, so the caseload sorts and pages in SQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "couple_standing",
        sa.Column("couple_id", sa.Integer(), nullable=False),
        sa.Column("counselor_id", sa.Integer(), nullable=False),
        sa.Column("practice_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("label_key", sa.Text(), nullable=False),
        sa.Column("sort_key", sa.Integer(), nullable=False),
        sa.Column("alert_version", sa.Integer(), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("rules_key", sa.String(length=64), nullable=False),
        sa.Column("urgent", sa.Integer(), nullable=False),
        sa.Column("attention", sa.Integer(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("last_session", sa.Date(), nullable=True),
        sa.Column("partners", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["couple_id"],
            ["couple.id"],
            name=op.f("fk_couple_standing_couple_id_couple"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("couple_id", name=op.f("pk_couple_standing")),
    )
    with op.batch_alter_table("couple_standing", schema=None) as batch_op:
        batch_op.create_index(
            "ix_couple_standing_status_order",
            ["counselor_id", "practice_id", "status", "sort_key", "label_key", "couple_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_couple_standing_order",
            ["counselor_id", "practice_id", "sort_key", "label_key", "couple_id"],
            unique=False,
        )
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.drop_index("ix_couple_counselor_status")
        batch_op.create_index(
            "ix_couple_caseload",
            ["counselor_id", "practice_id", "status", "alert_version"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.drop_index("ix_couple_caseload")
        batch_op.create_index(
            "ix_couple_counselor_status", ["counselor_id", "status"], unique=False
        )
    op.drop_table("couple_standing")
