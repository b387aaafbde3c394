"""audit trail indexes end in (at, id), the trail's order

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# name: the columns before (at, id)
INDEXES = {
    "ix_audit_event_practice_at": ["practice_id"],
    "ix_audit_event_practice_action_at": ["practice_id", "action"],
    "ix_audit_event_practice_record_type_at": ["practice_id", "record_type"],
    "ix_audit_event_practice_actor_at": ["practice_id", "actor_kind", "actor_id"],
    "ix_audit_event_record": ["record_type", "record_id"],
}


def upgrade() -> None:
    for name, leading in INDEXES.items():
        op.drop_index(name, table_name="audit_event")
        op.create_index(name, "audit_event", [*leading, "at", "id"], unique=False)


def downgrade() -> None:
    for name, leading in INDEXES.items():
        op.drop_index(name, table_name="audit_event")
        op.create_index(name, "audit_event", [*leading, "at"], unique=False)
