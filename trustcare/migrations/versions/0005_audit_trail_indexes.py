"""audit trail indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_event_practice_action_at", ["practice_id", "action", "at"], unique=False
        )
        batch_op.create_index(
            "ix_audit_event_practice_record_type_at",
            ["practice_id", "record_type", "at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_audit_event_practice_actor_at",
            ["practice_id", "actor_kind", "actor_id", "at"],
            unique=False,
        )
        batch_op.drop_index("ix_audit_event_record")
        batch_op.create_index(
            "ix_audit_event_record", ["record_type", "record_id", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_event_record")
        batch_op.create_index("ix_audit_event_record", ["record_type", "record_id"], unique=False)
        batch_op.drop_index("ix_audit_event_practice_actor_at")
        batch_op.drop_index("ix_audit_event_practice_record_type_at")
        batch_op.drop_index("ix_audit_event_practice_action_at")
