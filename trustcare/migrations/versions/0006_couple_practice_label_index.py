"""couple practice label index

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.create_index(
            "ix_couple_practice_label", ["practice_id", "label_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("couple", schema=None) as batch_op:
        batch_op.drop_index("ix_couple_practice_label")
