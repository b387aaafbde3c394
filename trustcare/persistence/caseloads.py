"""A counselor's caseload rows and the stored standings behind them."""

from __future__ import annotations

from sqlalchemy import select

from trustcare.models import Couple
from trustcare.persistence.base import Repository


class CaseloadRepository(Repository):
    """A counselor's caseload rows and the stored standings behind them."""

    def every_couple_id(self) -> list[int]:
        """Every couple of the database, for `trustcare reindex` (an unscoped unit of work)."""
        if self._actor is not None:
            raise TypeError("every_couple_id is for the unscoped reindex only")
        return list(self._session.scalars(select(Couple.id).order_by(Couple.id)))
