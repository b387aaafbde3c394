"""drop the per-counselor failure counter: login attempts are counted in login_attempt

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trustcare.models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("counselor") as batch:
        batch.drop_column("last_failed_login_at")
        batch.drop_column("failed_logins")


def downgrade() -> None:
    with op.batch_alter_table("counselor") as batch:
        batch.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch.add_column(
            sa.Column(
                "last_failed_login_at",
                trustcare.models.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
