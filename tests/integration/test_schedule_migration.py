"""Migration 0012 (schedules and reminders) goes down without touching anyone's history."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import command

from trustcare.db import alembic_config, make_engine

WHEN = dt.datetime(2026, 1, 5, 12, tzinfo=dt.UTC)


def _filler(column: sa.Column):
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.DateTime):
        return WHEN
    if isinstance(kind, sa.Date):
        return WHEN.date()
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.Integer | sa.Float | sa.Numeric):
        return 1
    return "x"


def _insert(connection, tables, name: str, **values) -> None:
    table = tables[name]
    row = {
        column.name: _filler(column)
        for column in table.columns
        if not column.nullable and column.server_default is None and not column.primary_key
    }
    connection.execute(table.insert().values({**row, **values}))


def test_downgrading_0012_on_sqlite_keeps_every_session_and_check_in(tmp_path):
    """Once, the downgrade rebuilt `couple` and `partner` in batch mode, and with foreign keys
    on, dropping the old tables cascaded to every session and check-in."""
    engine = make_engine(f"sqlite:///{tmp_path / 'down.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0012")
    tables = sa.MetaData()
    tables.reflect(engine)
    history = ("couple", "partner", "counseling_session", "checkin")
    with engine.begin() as connection:
        _insert(connection, tables.tables, "practice", id=1)
        _insert(connection, tables.tables, "counselor", id=1, practice_id=1, role="admin")
        _insert(
            connection, tables.tables, "couple",
            id=1, practice_id=1, counselor_id=1, status="active",
        )
        _insert(connection, tables.tables, "partner", id=1, couple_id=1, position=1)
        _insert(connection, tables.tables, "counseling_session", couple_id=1, number=1)
        _insert(connection, tables.tables, "checkin", couple_id=1, partner_id=1)

    def counts() -> list[int]:
        with engine.connect() as connection:
            return [
                connection.scalar(sa.select(sa.func.count()).select_from(tables.tables[name]))
                for name in history
            ]

    assert counts() == [1, 1, 1, 1]
    command.downgrade(config, "0011")
    assert counts() == [1, 1, 1, 1]
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("couple")}
    assert "next_session_at" not in columns
    engine.dispose()
