"""couple revisions: alert_version becomes the couple's revision, raised by the session on
every write to a couple's rows; counselors get a caseload revision

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_couple_caseload", table_name="couple")
    with op.batch_alter_table("couple") as batch:
        batch.alter_column("alert_version", new_column_name="revision")
    op.create_index(
        "ix_couple_caseload", "couple", ["counselor_id", "practice_id", "status", "revision"]
    )
    with op.batch_alter_table("couple_standing") as batch:
        batch.alter_column("alert_version", new_column_name="revision")
    with op.batch_alter_table("counselor") as batch:
        batch.add_column(
            sa.Column("caseload_revision", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("counselor") as batch:
        batch.drop_column("caseload_revision")
    with op.batch_alter_table("couple_standing") as batch:
        batch.alter_column("revision", new_column_name="alert_version")
    op.drop_index("ix_couple_caseload", table_name="couple")
    with op.batch_alter_table("couple") as batch:
        batch.alter_column("revision", new_column_name="alert_version")
    op.create_index(
        "ix_couple_caseload", "couple", ["counselor_id", "practice_id", "status", "alert_version"]
    )
