"""Modules and tracks assigned to a couple or one partner."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from trustcare.errors import AssignmentNotFound
from trustcare.models import Assignment, Couple, ExerciseProgress
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id


class AssignmentRepository(Repository):
    """Modules and tracks assigned to a couple or one partner. The counselor-side methods take
    a couple row from `uow.couples.get`, already checked, and reach only its assignments."""

    def add_assignment(self, assignment: Assignment) -> Assignment:
        """Store a new assignment now, so it has its id."""
        self._counselor()
        return self._add(assignment)

    def assignment_of(self, couple: Couple, assignment_id: object) -> Assignment:
        """One assignment of the couple; AssignmentNotFound for any other id."""
        assignment = self._session.scalars(
            select(Assignment).where(
                Assignment.id == row_id(assignment_id), Assignment.couple_id == couple.id
            )
        ).one_or_none()
        if assignment is None:
            raise AssignmentNotFound()
        return assignment

    def assignments_of(self, couple: Couple) -> Sequence[Assignment]:
        """Every assignment of the couple, newest first."""
        return self._session.scalars(
            select(Assignment)
            .where(Assignment.couple_id == couple.id)
            .order_by(Assignment.assigned_at.desc(), Assignment.id.desc())
        ).all()

    def exercises_done(self, couple: Couple) -> list[tuple[int, int, int]]:
        """(assignment id, partner id, exercises done) for each of the couple's assignments."""
        return [
            (assignment_id, partner_id, count)
            for assignment_id, partner_id, count in self._session.execute(
                select(ExerciseProgress.assignment_id, ExerciseProgress.partner_id, func.count())
                .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
                .where(Assignment.couple_id == couple.id)
                .group_by(ExerciseProgress.assignment_id, ExerciseProgress.partner_id)
            )
        ]
