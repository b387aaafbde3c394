"""Writing many plain rows fast: straight to the driver, past Core's per-row parameter work.

Core `executemany` spends most of its time building and processing parameters row by row; for
180,000 check-ins that is the larger part of building a practice. PostgreSQL gets COPY; SQLite
gets one `executemany` of tuples already converted by each column type's own bind processor.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import JSON, Connection

from trustcare.encryption import EncryptedJSON, EncryptedType


def _encrypter(column_type: object) -> Callable | None:
    """Encrypted columns are encrypted here too (COPY runs no column type); their JSON ones
    already hold JSON text, the others their plain value."""
    if isinstance(column_type, EncryptedJSON):
        return column_type.encrypt_serialized
    if isinstance(column_type, EncryptedType):
        return lambda value: column_type.process_bind_param(value, None)
    return None


def write_rows(connection: Connection, model: type, rows: list[dict]) -> None:
    """Insert rows that all have the same keys; JSON columns must already hold JSON text."""
    if not rows:
        return
    table = model.__table__
    columns = list(rows[0])
    preparer = connection.dialect.identifier_preparer
    names = ", ".join(preparer.quote(name) for name in columns)
    if connection.dialect.name == "postgresql":
        raw = connection.connection.dbapi_connection
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {preparer.format_table(table)} ({names}) FROM STDIN") as copy,
        ):
            encrypters = [(name, _encrypter(table.c[name].type)) for name in columns]
            for row in rows:
                copy.write_row(
                    [
                        row[name] if encrypt is None or row[name] is None else encrypt(row[name])
                        for name, encrypt in encrypters
                    ]
                )
        return
    processors = [
        _encrypter(table.c[name].type)
        or (
            None
            if isinstance(table.c[name].type, JSON)
            else table.c[name].type.dialect_impl(connection.dialect).bind_processor(
                connection.dialect
            )
        )
        for name in columns
    ]
    steps = list(zip(columns, processors, strict=True))

    def converted(row: dict) -> tuple:
        return tuple(
            row[name] if process is None or row[name] is None else process(row[name])
            for name, process in steps
        )

    marks = ", ".join("?" for _ in columns)
    connection.exec_driver_sql(
        f"INSERT INTO {preparer.format_table(table)} ({names}) VALUES ({marks})",
        [converted(row) for row in rows],
    )
