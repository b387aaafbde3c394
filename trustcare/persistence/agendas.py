"""What the couple record's agenda reads, and the acknowledgements of a couple's alerts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Row, func, select

from trustcare.models import (
    AlertAcknowledgement,
    Assignment,
    CheckIn,
    Counselor,
    Couple,
    ExerciseProgress,
)
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id


class AgendaRepository(Repository):
    """The agenda's reads and the alert acknowledgements of a couple; every method takes a
    couple row from `uow.couples.get`, already checked, and reaches only that couple's rows."""

    def is_acknowledged(self, couple: Couple, alert_key: str) -> bool:
        """Whether this alert of the couple is acknowledged already."""
        return bool(
            self._session.scalar(
                select(func.count(AlertAcknowledgement.id)).where(
                    AlertAcknowledgement.couple_id == couple.id,
                    AlertAcknowledgement.alert_key == alert_key,
                )
            )
        )

    def add_acknowledgement(self, couple: Couple, acknowledgement: AlertAcknowledgement) -> None:
        """Keep a new acknowledgement of one of the couple's alerts (stored on commit)."""
        if acknowledgement.couple_id != couple.id:
            raise ValueError("an acknowledgement belongs to the couple it is added for")
        self._session.add(acknowledgement)

    def acknowledgement_of(
        self, couple: Couple, acknowledgement_id: object
    ) -> AlertAcknowledgement | None:
        """One acknowledgement of the couple's alerts, or None for any other id."""
        return self._session.scalars(
            select(AlertAcknowledgement).where(
                AlertAcknowledgement.id == row_id(acknowledgement_id),
                AlertAcknowledgement.couple_id == couple.id,
            )
        ).one_or_none()

    def remove_acknowledgement(self, acknowledgement: AlertAcknowledgement) -> None:
        """Delete an acknowledgement from `acknowledgement_of` (on commit)."""
        self._session.delete(acknowledgement)

    def latest_acknowledgements(self, couple: Couple, limit: int) -> Sequence[Row]:
        """id, alert_key, acknowledged_at, acknowledged_by, note and the counselor's
        display_name of the couple's latest acknowledgements, newest first."""
        return self._session.execute(
            select(
                AlertAcknowledgement.id,
                AlertAcknowledgement.alert_key,
                AlertAcknowledgement.acknowledged_at,
                AlertAcknowledgement.acknowledged_by,
                AlertAcknowledgement.note,
                Counselor.display_name,
            )
            .join(Counselor, Counselor.id == AlertAcknowledgement.acknowledged_by)
            .where(AlertAcknowledgement.couple_id == couple.id)
            .order_by(AlertAcknowledgement.acknowledged_at.desc(), AlertAcknowledgement.id.desc())
            .limit(limit)
        ).all()

    def checkins_of(self, couple: Couple) -> Sequence[Row]:
        """partner_id, submitted_at, total, overall, reflection and reflection_shared of every
        check-in of the couple, oldest first (plain rows: a data frame cost more)."""
        return self._session.execute(
            select(
                CheckIn.partner_id,
                CheckIn.submitted_at,
                CheckIn.total,
                CheckIn.overall,
                CheckIn.reflection,
                CheckIn.reflection_shared,
            )
            .where(CheckIn.couple_id == couple.id)
            .order_by(CheckIn.submitted_at, CheckIn.id)
        ).all()

    def shared_exercise_reflections(
        self, couple: Couple, since: dt.datetime
    ) -> list[tuple[int, str, str, int]]:
        """(partner id, reflection, module id, module version) of each exercise reflection
        shared since `since`, oldest first."""
        return [
            (partner_id, reflection, module_id, version)
            for partner_id, reflection, module_id, version in self._session.execute(
                select(
                    ExerciseProgress.partner_id,
                    ExerciseProgress.reflection,
                    Assignment.module_id,
                    Assignment.module_version,
                )
                .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
                .where(
                    Assignment.couple_id == couple.id,
                    ExerciseProgress.reflection_shared.is_(True),
                    ExerciseProgress.reflection != "",
                    ExerciseProgress.done_at >= since,
                )
                .order_by(ExerciseProgress.done_at)
            )
        ]
