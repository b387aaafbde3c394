"""Row ids as they reach the persistence layer from URLs, query parameters and session state."""

from __future__ import annotations

# Row ids are 32-bit integers on PostgreSQL: a bigger number from a URL names no couple (and
# would make PostgreSQL refuse the query, and SQLite overflow past 64 bits).
MAX_ROW_ID = 2**31 - 1


def row_id(value: object) -> int | None:
    """`value` if it can name a row, else None, which names none (`id == None` matches nothing).

    Ids reach services from URLs, query parameters and session state: a string, a float, a
    bool or a number past the column's range is "not found", never a query the database
    refuses or a driver error.
    """
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ROW_ID:
        return value
    return None
