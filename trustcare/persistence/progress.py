"""What a couple's progress page reads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Row, select

from trustcare.models import Assignment, CheckIn, CounselingSession, Couple, Partner
from trustcare.persistence.base import Repository


class ProgressRepository(Repository):
    """What a couple's progress page reads, for a couple already in the counselor's reach:
    every method takes the Couple row `uow.couples.get` returned (it did the check)."""

    def partners_of(self, couple: Couple) -> list[Row]:
        """(id, display_name) of the couple's partners, in position order."""
        return list(
            self._session.execute(
                select(Partner.id, Partner.display_name)
                .where(Partner.couple_id == couple.id)
                .order_by(Partner.position)
            ).all()
        )

    def session_dates_of(self, couple: Couple) -> list[tuple[int, dt.date]]:
        """(number, held_on) of the couple's sessions."""
        return [
            (number, held_on)
            for number, held_on in self._session.execute(
                select(CounselingSession.number, CounselingSession.held_on).where(
                    CounselingSession.couple_id == couple.id
                )
            )
        ]

    def checkins_of(self, couple: Couple) -> list[Row]:
        """The couple's check-ins in time order, with the partner's name: id, couple_id,
        partner_id, display_name, submitted_at, total, overall, practice, safety_flag,
        reflection, reflection_shared, subscales, language, entered_by."""
        return list(
            self._session.execute(
                select(
                    CheckIn.id,
                    CheckIn.couple_id,
                    CheckIn.partner_id,
                    Partner.display_name,
                    CheckIn.submitted_at,
                    CheckIn.total,
                    CheckIn.overall,
                    CheckIn.practice,
                    CheckIn.safety_flag,
                    CheckIn.reflection,
                    CheckIn.reflection_shared,
                    CheckIn.subscales,
                    CheckIn.language,
                    CheckIn.entered_by,
                )
                .join(Partner, Partner.id == CheckIn.partner_id)
                .where(CheckIn.couple_id.in_([couple.id]))
                .order_by(CheckIn.couple_id, CheckIn.submitted_at, CheckIn.id)
            ).all()
        )

    def assignment_events_of(self, couple: Couple) -> list[Row]:
        """(module_id, module_version, assigned_at, completed_at, status) of its assignments."""
        return list(
            self._session.execute(
                select(
                    Assignment.module_id,
                    Assignment.module_version,
                    Assignment.assigned_at,
                    Assignment.completed_at,
                    Assignment.status,
                ).where(Assignment.couple_id == couple.id)
            ).all()
        )
