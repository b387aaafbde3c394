"""The fictional demo practice, written in one go."""

from __future__ import annotations

from collections.abc import Iterable

from trustcare.models import Base, Counselor, Couple
from trustcare.persistence.base import Repository


class SeedRepository(Repository):
    """The fictional demo practice, written in one go.

    Unscoped: the demo is seeded on a fresh database (from the setup page or `trustcare
    seed-demo`) before anyone can sign in, so there is no identity to narrow by.
    """

    def _unscoped(self) -> None:
        if self._actor is not None:
            raise TypeError("demo seeding is for an unscoped unit of work only")

    def add_counselor(self, counselor: Counselor) -> Counselor:
        """Store a demo counselor now, so it has its id."""
        self._unscoped()
        return self._add(counselor)

    def add_couple(self, couple: Couple) -> Couple:
        """Store a demo couple with its partners and sessions now, so they have their ids."""
        self._unscoped()
        return self._add(couple)

    def add_history(self, rows: Iterable[Base]) -> None:
        """Add a couple's check-ins, assignments or exercises done (sent with the next flush)."""
        self._unscoped()
        self._session.add_all(rows)
