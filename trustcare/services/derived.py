"""The one cache of the app: what is derived from a couple's data, kept while that data is.

The cache policy (DESIGN.md, "Freshness"): process-wide only what is read-mostly and the same
for everyone (the engine, the content catalog); per-run memos die with the run; everything
else is kept here, keyed by what it was derived from: the database, the couple (its id and
creation time), its revision, which the session raises on every write to the couple's rows
(trustcare/revisions.py), and whatever else it depends on (the day, the alert rules, the
catalog). A counselor's caseload is keyed by their caseload revision in the same way. No
writer has to remember anything, and a stale entry is never served: it is simply never asked
for again, and the least recently used entries make room.

Entries are only looked up after the unit of work has checked that the actor may see the
couple (the caller holds the row from `uow.couples.get` or another scoped repository), so what one
counselor built is served to another only if that one may see the same couple too.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

from trustcare.content_catalog import Catalog
from trustcare.models import Couple
from trustcare.persistence.uow import UnitOfWork

T = TypeVar("T")


class DerivedCache:
    """A bounded, thread-safe map from what a value was derived from to the value."""

    def __init__(self, size: int = 20_000) -> None:
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get_or_build(self, key: tuple, build: Callable[[], T], keep: object = None) -> T:
        """The value kept for `key`, else `build()` kept under it. `keep` is held with the
        value: a catalog named in the key by its id stays alive, so the id is never reused."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][1]  # type: ignore[index]
        value = build()
        self.put(key, value, keep)
        return value

    def get(self, key: tuple) -> object | None:
        """The value kept for `key`, or None (for callers that build many values at once)."""
        with self._lock:
            if key not in self._entries:
                return None
            self._entries.move_to_end(key)
            return self._entries[key][1]

    def put(self, key: tuple, value: object, keep: object = None) -> None:
        with self._lock:
            self._entries[key] = (keep, value)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


derived = DerivedCache()


def couple_key(uow: UnitOfWork, couple: Couple, *depends_on: object) -> tuple:
    """The key of something derived from one couple's data (and `depends_on`)."""
    return (uow.database, couple.id, couple.created_at, couple.revision, *depends_on)


def catalog_key(catalog: Catalog) -> int:
    """The part of a key that names a catalog (pass the catalog as `keep` too)."""
    return id(catalog)
