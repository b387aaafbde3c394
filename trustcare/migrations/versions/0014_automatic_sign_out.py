"""automatic sign-out

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from trustcare.models import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("login") as batch:
        batch.add_column(sa.Column("last_seen_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("previously_seen_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("end_reason", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("login") as batch:
        batch.drop_column("end_reason")
        batch.drop_column("previously_seen_at")
        batch.drop_column("last_seen_at")
