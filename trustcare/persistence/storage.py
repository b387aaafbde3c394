"""Database failures turned into the one error a page shows: StorageUnavailable.

SQLAlchemy's error text carries the statement's parameters (a reflection, a safety answer, a
token's hash), so only the class name of the driver's error is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

from sqlalchemy.exc import SQLAlchemyError

from trustcare.errors import StorageUnavailable

log = logging.getLogger(__name__)


@contextmanager
def storage_failures(what: str, undo: Callable[[], None] | None = None) -> Iterator[None]:
    """Any database failure inside becomes StorageUnavailable, logged as "`what`: database
    error (its class)"; `undo` (a unit of work's rollback) runs first, its own failure ignored.
    """
    try:
        yield
    except SQLAlchemyError as error:
        if undo is not None:
            with suppress(SQLAlchemyError):
                undo()
        cause = getattr(error, "orig", None) or error
        log.error("%s: database error (%s)", what, type(cause).__name__)
        raise StorageUnavailable() from None
