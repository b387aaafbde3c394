"""The couples in a counselor's reach: their caseload, or for an admin the whole practice."""

from __future__ import annotations

import logging

from sqlalchemy import Select, select

from trustcare.errors import CoupleNotFound, PermissionDenied
from trustcare.models import Couple
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id

log = logging.getLogger(__name__)


class CoupleRepository(Repository):
    """A counselor's couples. Couples outside the caseload do not exist here: `get` says
    "not found" for them exactly as for a couple that was never made."""

    def in_reach(self) -> Select[tuple[Couple]]:
        """The acting counselor's caseload (a query, to narrow further)."""
        actor = self._counselor()
        return select(Couple).where(
            Couple.counselor_id == actor.counselor_id,
            Couple.practice_id == actor.practice_id,
        )

    def get(self, couple_id: object) -> Couple:
        couple = None
        if row_id(couple_id) is not None:
            couple = self._session.scalars(
                self.in_reach().where(Couple.id == couple_id)
            ).one_or_none()
        if couple is None:
            counselor_id = self._counselor().counselor_id
            log.info("couple %s not found for counselor %s", couple_id, counselor_id)
            raise CoupleNotFound()
        return couple

    def in_practice(self) -> Select[tuple[Couple]]:
        """Every couple of the practice, for admin services only (hand-over, break-glass)."""
        actor = self._counselor()
        if not actor.is_admin:
            raise PermissionDenied("Only a practice admin can do this.")
        return select(Couple).where(Couple.practice_id == actor.practice_id)
