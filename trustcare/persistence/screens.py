"""What the screen shared with a couple may read: nothing else of the couple is selected here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Row, select

from trustcare.models import Assignment, CheckIn, CounselingSession, Couple, ExerciseProgress
from trustcare.persistence.base import Repository


class SharedScreenRepository(Repository):
    """The shared screen's reads; every method takes a couple row from `uow.couples.get`,
    already checked, and selects only what the screen may show (services/session_screen.py)."""

    def shared_scores(self, couple: Couple, sharing: Sequence[int]) -> Sequence[Row]:
        """partner_id, submitted_at, total and overall of the check-ins of the partners who
        agree to show their scores (`sharing`), oldest first."""
        return self._session.execute(
            select(CheckIn.partner_id, CheckIn.submitted_at, CheckIn.total, CheckIn.overall)
            .where(CheckIn.couple_id == couple.id, CheckIn.partner_id.in_(sharing or [-1]))
            .order_by(CheckIn.submitted_at)
        ).all()

    def session_days(self, couple: Couple) -> list[dt.date]:
        """The days the couple's sessions were held, in order."""
        return [
            row[0]
            for row in self._session.execute(
                select(CounselingSession.held_on)
                .where(CounselingSession.couple_id == couple.id)
                .order_by(CounselingSession.held_on)
            )
        ]

    def shared_checkin_reflections(self, couple: Couple) -> list[tuple[int, dt.datetime, str]]:
        """(partner id, when, text) of each check-in reflection its author shared."""
        return [
            (partner_id, when, text)
            for partner_id, when, text in self._session.execute(
                select(CheckIn.partner_id, CheckIn.submitted_at, CheckIn.reflection).where(
                    CheckIn.couple_id == couple.id,
                    CheckIn.reflection_shared.is_(True),
                    CheckIn.reflection != "",
                )
            )
        ]

    def shared_exercise_reflections(self, couple: Couple) -> list[tuple[int, dt.datetime, str]]:
        """(partner id, when, text) of each exercise reflection its author shared."""
        return [
            (partner_id, when, text)
            for partner_id, when, text in self._session.execute(
                select(
                    ExerciseProgress.partner_id,
                    ExerciseProgress.done_at,
                    ExerciseProgress.reflection,
                )
                .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
                .where(
                    Assignment.couple_id == couple.id,
                    ExerciseProgress.reflection_shared.is_(True),
                    ExerciseProgress.reflection != "",
                )
            )
        ]

    def open_joint_assignments(self, couple: Couple) -> list[tuple[int, str, int]]:
        """(assignment id, module id, version) of the open modules assigned to both partners,
        newest first."""
        return [
            (assignment_id, module_id, version)
            for assignment_id, module_id, version in self._session.execute(
                select(Assignment.id, Assignment.module_id, Assignment.module_version)
                .where(
                    Assignment.couple_id == couple.id,
                    Assignment.partner_id.is_(None),
                    Assignment.status.in_(("assigned", "in_progress")),
                )
                .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
            )
        ]
