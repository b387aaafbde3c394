"""What a couple's CSV export and printable report read beyond the couple's progress."""

from __future__ import annotations

from sqlalchemy import select

from trustcare.models import Couple, Partner
from trustcare.persistence.base import Repository


class ExportRepository(Repository):
    """What a couple's CSV export and printable report read beyond the couple's progress."""

    def sharing_choices(self, couple: Couple) -> list[tuple[int, bool | None]]:
        """(partner id, agreed to show scores in joint sessions) of a couple from
        `uow.couples.get`; None where the partner was not asked yet."""
        self._counselor()
        return [
            (partner_id, choice)
            for partner_id, choice in self._session.execute(
                select(Partner.id, Partner.share_scores_in_joint_sessions).where(
                    Partner.couple_id == couple.id
                )
            )
        ]
