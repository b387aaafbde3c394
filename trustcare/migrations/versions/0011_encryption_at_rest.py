"""clinical text encrypted at rest

Session notes, reflections, notes to the client, a check-in's answers and safety answer, an
alert's note and partners' contact details become Fernet tokens in Text columns, encrypted in
place under the key ring configured before the upgrade runs (build_context, the CLI's settings,
or env.py). Downgrade decrypts them back. See trustcare/encryption.py.

On SQLite the partner table is not rebuilt (batch mode would drop and recreate it, and with
foreign keys on that cascades into every check-in): its column is added, filled, dropped and
renamed instead. The check-in table, which nothing references, is rebuilt in batch mode.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

import json
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from trustcare.encryption import (
    CANARY_TEXT,
    EncryptedBool,
    EncryptedJSON,
    decrypt_text,
    encrypt_text,
    keys_configured,
)

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH_ROWS = 500
TEXT_COLUMNS = (
    ("counseling_session", "notes"),
    ("checkin", "reflection"),
    ("exercise_progress", "reflection"),
    ("assignment", "note_to_client"),
    ("alert_acknowledgement", "note"),
    ("partner", "contact"),
)


def _is_sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def _rewrite(table: str, column: str, convert: Callable[[Any], Any]) -> None:
    """Every non-empty value of the column through `convert`, BATCH_ROWS rows at a time."""
    connection = op.get_bind()
    target = sa.table(table, sa.column("id", sa.Integer), sa.column(column))
    value = target.c[column]
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(target.c.id, value)
            .where(target.c.id > last_id, value.is_not(None))
            .order_by(target.c.id)
            .limit(BATCH_ROWS)
        ).all()
        if not rows:
            return
        for row_id, raw in rows:
            if raw != "":
                connection.execute(
                    target.update().where(target.c.id == row_id).values({column: convert(raw)})
                )
        last_id = rows[-1][0]


def _as_bool(raw: Any) -> bool:
    return str(raw).strip().lower() in ("1", "true", "t")


def _sqlite_retype_partner_contact(new_type: sa.types.TypeEngine) -> None:
    """partner.contact gets a new type without rebuilding the table (see the module text)."""
    op.add_column("partner", sa.Column("contact_retyped", new_type, nullable=True))
    op.execute("UPDATE partner SET contact_retyped = contact")
    op.drop_column("partner", "contact")
    op.alter_column("partner", "contact_retyped", new_column_name="contact")


def upgrade() -> None:
    op.create_table(
        "encryption_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_encryption_check")),
    )
    if _is_sqlite():
        _sqlite_retype_partner_contact(sa.Text())
        with op.batch_alter_table("checkin") as batch:
            batch.alter_column("answers", existing_type=sa.JSON(), type_=sa.Text())
            batch.alter_column("safety_flag", existing_type=sa.Boolean(), type_=sa.Text())
    else:
        op.alter_column("partner", "contact", existing_type=sa.String(254), type_=sa.Text())
        op.alter_column(
            "checkin",
            "answers",
            existing_type=sa.JSON(),
            type_=sa.Text(),
            postgresql_using="answers::text",
        )
        op.alter_column(
            "checkin",
            "safety_flag",
            existing_type=sa.Boolean(),
            type_=sa.Text(),
            postgresql_using="safety_flag::text",
        )
    for table, column in TEXT_COLUMNS:
        _rewrite(table, column, encrypt_text)
    answers, safety = EncryptedJSON(), EncryptedBool()
    _rewrite("checkin", "answers", lambda raw: encrypt_text(answers.to_text(json.loads(raw))))
    _rewrite("checkin", "safety_flag", lambda raw: encrypt_text(safety.to_text(_as_bool(raw))))
    if keys_configured():
        # Otherwise the first start writes it (trustcare.encryption.check_keys_match).
        op.bulk_insert(
            sa.table("encryption_check", sa.column("id"), sa.column("token")),
            [{"id": 1, "token": encrypt_text(CANARY_TEXT)}],
        )


def downgrade() -> None:
    sqlite = _is_sqlite()
    for table, column in TEXT_COLUMNS:
        _rewrite(table, column, decrypt_text)
    _rewrite("checkin", "answers", decrypt_text)
    yes, no = ("1", "0") if sqlite else ("true", "false")
    _rewrite("checkin", "safety_flag", lambda raw: yes if decrypt_text(raw) == "true" else no)
    if sqlite:
        _sqlite_retype_partner_contact(sa.String(254))
        with op.batch_alter_table("checkin") as batch:
            batch.alter_column("answers", existing_type=sa.Text(), type_=sa.JSON())
            batch.alter_column("safety_flag", existing_type=sa.Text(), type_=sa.Boolean())
    else:
        op.alter_column("partner", "contact", existing_type=sa.Text(), type_=sa.String(254))
        op.alter_column(
            "checkin",
            "answers",
            existing_type=sa.Text(),
            type_=sa.JSON(),
            postgresql_using="answers::json",
        )
        op.alter_column(
            "checkin",
            "safety_flag",
            existing_type=sa.Text(),
            type_=sa.Boolean(),
            postgresql_using="safety_flag::boolean",
        )
    op.drop_table("encryption_check")
