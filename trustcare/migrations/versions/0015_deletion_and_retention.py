"""deletion and retention

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trustcare.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = trustcare.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("couple") as batch:
        batch.add_column(sa.Column("closed_at", UTC, nullable=True))
    # Couples closed before this release: their last change is the best known closing time.
    op.execute("UPDATE couple SET closed_at = updated_at WHERE status = 'closed'")


def downgrade() -> None:
    with op.batch_alter_table("couple") as batch:
        batch.drop_column("closed_at")
