"""Check-ins and exercise progress, of a counselor's couples or of the partner behind a link."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Row, func, or_, select
from sqlalchemy.exc import IntegrityError

from trustcare.errors import InvalidInput, PermissionDenied
from trustcare.models import (
    Assignment,
    CheckIn,
    CounselingSession,
    Couple,
    ExerciseProgress,
    Partner,
    SessionFeedback,
)
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id


class OwnPartner(NamedTuple):
    partner: Partner
    shows_own_progress: bool
    couple_schedule: dict[str, Any] | None  # the couple's own; None: the practice default


class CheckinRepository(Repository):
    """Check-ins and exercise progress, of a counselor's couples or of the partner behind a link.

    Counselor-side methods take a couple from `uow.couples.get`; partner-side methods reach only
    the partner's own rows (and the assignments meant for them).
    """

    # --- the partner behind a link ---------------------------------------------------------

    def own_partner(self) -> Partner:
        """The partner behind the link."""
        return self._session.get(Partner, self._partner().partner_id)

    def _own_assignments(self):
        """Assignments meant for this partner: to both partners, or to them alone."""
        partner = self._partner()
        return select(Assignment).where(
            Assignment.couple_id == partner.couple_id,
            or_(Assignment.partner_id.is_(None), Assignment.partner_id == partner.partner_id),
        )

    def open_assignments(self) -> Sequence[Assignment]:
        """The partner's assigned and in-progress assignments, soonest due first."""
        return self._session.scalars(
            self._own_assignments()
            .where(Assignment.status.in_(("assigned", "in_progress")))
            .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
        ).all()

    def own_assignment(self, assignment_id: int) -> Assignment | None:
        """One assignment meant for this partner, or None."""
        return self._session.scalars(
            self._own_assignments().where(Assignment.id == assignment_id)
        ).one_or_none()

    def own_progress(self, assignment_ids: Sequence[int]) -> list[ExerciseProgress]:
        """The partner's done exercises of these assignments."""
        return list(
            self._session.scalars(
                select(ExerciseProgress).where(
                    ExerciseProgress.partner_id == self._partner().partner_id,
                    ExerciseProgress.assignment_id.in_(list(assignment_ids) or [-1]),
                )
            )
        )

    def own_exercise(self, assignment: Assignment, exercise_id: str) -> ExerciseProgress | None:
        """The partner's progress row of one exercise of an assignment of `own_assignment`."""
        return self._session.scalars(
            select(ExerciseProgress).where(
                ExerciseProgress.assignment_id == assignment.id,
                ExerciseProgress.partner_id == self._partner().partner_id,
                ExerciseProgress.exercise_id == exercise_id,
            )
        ).one_or_none()

    def store_progress(self, progress: ExerciseProgress) -> ExerciseProgress:
        """Store the partner's new or changed progress row now (one INSERT or UPDATE)."""
        if progress.partner_id != self._partner().partner_id:
            raise PermissionDenied("Only the partner's own progress can be stored.")
        return self._add(progress)

    def exercises_done(self, assignment: Assignment) -> tuple[list[int], list[tuple[int, str]]]:
        """For an assignment of `own_assignment`: the partner ids it addresses, and every
        (partner id, exercise id) done of it by anyone it addresses."""
        couple_id = self._partner().couple_id
        if assignment.couple_id != couple_id:
            raise PermissionDenied("Only the partner's own assignments are in reach.")
        addressed = (
            [assignment.partner_id]
            if assignment.partner_id is not None
            else list(
                self._session.scalars(select(Partner.id).where(Partner.couple_id == couple_id))
            )
        )
        done = self._session.execute(
            select(ExerciseProgress.partner_id, ExerciseProgress.exercise_id).where(
                ExerciseProgress.assignment_id == assignment.id
            )
        ).all()
        return addressed, [(partner_id, exercise_id) for partner_id, exercise_id in done]

    def own_checkin_count(self) -> int:
        return self._session.scalar(
            select(func.count(CheckIn.id)).where(CheckIn.partner_id == self._partner().partner_id)
        )

    def own_checkin_with_key(self, idempotency_key: str) -> CheckIn | None:
        """The partner's check-in stored under this form's key, if any."""
        return self._session.scalars(
            select(CheckIn).where(
                CheckIn.idempotency_key == idempotency_key,
                CheckIn.partner_id == self._partner().partner_id,
            )
        ).one_or_none()

    def add_checkin(self, checkin: CheckIn) -> CheckIn:
        """The check-in stored for its key: `checkin`, or the earlier one when a parallel
        submit with the same key was stored first (this unit of work is then rolled back)."""
        partner = self._partner()
        if checkin.partner_id != partner.partner_id or checkin.couple_id != partner.couple_id:
            raise PermissionDenied("Only the partner's own check-in can be stored.")
        try:
            return self._add(checkin)
        except IntegrityError:
            self._session.rollback()
            earlier = self.own_checkin_with_key(checkin.idempotency_key)
            if earlier is None:
                raise
            return earlier

    def own_partner_and_couple(self) -> OwnPartner:
        """The partner behind the link and what the client page needs of their couple, in one
        statement (the page reads it on every run)."""
        partner, shown, schedule = self._session.execute(
            select(Partner, Couple.shows_own_progress, Couple.schedule)
            .join(Couple, Couple.id == Partner.couple_id)
            .where(Partner.id == self._partner().partner_id)
        ).one()
        return OwnPartner(partner, bool(shown), schedule)

    def own_checkins(self) -> Sequence[CheckIn]:
        """The partner's own check-ins, oldest first; never the other partner's."""
        return self._session.scalars(
            select(CheckIn)
            .where(CheckIn.partner_id == self._partner().partner_id)
            .order_by(CheckIn.submitted_at, CheckIn.id)
        ).all()

    def own_done_exercises(self) -> list[tuple[ExerciseProgress, Assignment]]:
        """Every exercise the partner marked done, with its assignment, oldest first."""
        rows = self._session.execute(
            select(ExerciseProgress, Assignment)
            .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
            .where(ExerciseProgress.partner_id == self._partner().partner_id)
            .order_by(ExerciseProgress.done_at, ExerciseProgress.id)
        ).all()
        return [(progress, assignment) for progress, assignment in rows]

    def own_sessions_to_review(self, since: dt.date) -> Sequence[Row]:
        """(id, number, held_on) of the couple's sessions held on or after `since` that this
        partner has not given feedback on, newest first; never the counselor's notes."""
        partner = self._partner()
        answered = select(SessionFeedback.session_id).where(
            SessionFeedback.partner_id == partner.partner_id
        )
        return self._session.execute(
            select(CounselingSession.id, CounselingSession.number, CounselingSession.held_on)
            .where(
                CounselingSession.couple_id == partner.couple_id,
                CounselingSession.held_on >= since,
                CounselingSession.id.not_in(answered),
            )
            .order_by(CounselingSession.number.desc())
        ).all()

    def own_session(self, session_id: object) -> CounselingSession | None:
        """One of the couple's sessions, or None."""
        return self._session.scalars(
            select(CounselingSession).where(
                CounselingSession.id == row_id(session_id),
                CounselingSession.couple_id == self._partner().couple_id,
            )
        ).one_or_none()

    def own_feedback_with_key(self, idempotency_key: str) -> SessionFeedback | None:
        return self._session.scalars(
            select(SessionFeedback).where(
                SessionFeedback.idempotency_key == idempotency_key,
                SessionFeedback.partner_id == self._partner().partner_id,
            )
        ).one_or_none()

    def own_feedback_for(self, session_id: int) -> SessionFeedback | None:
        return self._session.scalars(
            select(SessionFeedback).where(
                SessionFeedback.session_id == session_id,
                SessionFeedback.partner_id == self._partner().partner_id,
            )
        ).one_or_none()

    def add_own_feedback(self, feedback: SessionFeedback) -> SessionFeedback:
        """The feedback stored for its session: `feedback`, or the one a parallel submit of
        the same key or session stored first (this unit of work is then rolled back)."""
        partner = self._partner()
        if feedback.partner_id != partner.partner_id or feedback.couple_id != partner.couple_id:
            raise PermissionDenied("Only the partner's own feedback can be stored.")
        return _add_feedback(self._session, feedback, partner.partner_id)

    # --- a counselor's couple ---------------------------------------------------------------

    def couple_partner(self, couple: Couple, partner_id: object) -> Partner | None:
        """A partner of a couple from `uow.couples.get`, or None."""
        self._counselor()
        return self._session.scalars(
            select(Partner).where(Partner.id == row_id(partner_id), Partner.couple_id == couple.id)
        ).one_or_none()

    def checkin_with_key(
        self, couple: Couple, partner_id: int, idempotency_key: str
    ) -> CheckIn | None:
        """The check-in of this partner of a couple from `uow.couples.get` stored under this
        form's key (never another partner's, whatever key is sent)."""
        self._counselor()
        return self._session.scalars(
            select(CheckIn).where(
                CheckIn.idempotency_key == idempotency_key,
                CheckIn.couple_id == couple.id,
                CheckIn.partner_id == partner_id,
            )
        ).one_or_none()

    def add_entered_checkin(self, couple: Couple, checkin: CheckIn) -> CheckIn:
        """A check-in the counselor entered in the room for a partner of a couple from
        `uow.couples.get`; the earlier one when the same form was sent twice."""
        actor = self._counselor()
        if checkin.couple_id != couple.id or checkin.entered_by != actor.counselor_id:
            raise PermissionDenied("Only a check-in of your own couple can be entered.")
        try:
            return self._add(checkin)
        except IntegrityError:
            self._session.rollback()
            earlier = self.checkin_with_key(couple, checkin.partner_id, checkin.idempotency_key)
            if earlier is None:
                # The key is another partner's: that form was used; this one must be new.
                raise InvalidInput({"form": "is out of date; please reload the page"}) from None
            return earlier

    def session_of(self, couple: Couple, session_id: object) -> CounselingSession | None:
        self._counselor()
        return self._session.scalars(
            select(CounselingSession).where(
                CounselingSession.id == row_id(session_id), CounselingSession.couple_id == couple.id
            )
        ).one_or_none()

    def sessions_without_feedback(
        self, couple: Couple, partner_id: int
    ) -> Sequence[CounselingSession]:
        """The sessions of a couple from `uow.couples.get` that this partner has given no
        feedback on, newest first."""
        self._counselor()
        answered = select(SessionFeedback.session_id).where(
            SessionFeedback.partner_id == partner_id
        )
        return self._session.scalars(
            select(CounselingSession)
            .where(
                CounselingSession.couple_id == couple.id,
                CounselingSession.id.not_in(answered),
            )
            .order_by(CounselingSession.number.desc())
        ).all()

    def feedback_for(self, couple: Couple, session_id: int, partner_id: int):
        self._counselor()
        return self._session.scalars(
            select(SessionFeedback).where(
                SessionFeedback.couple_id == couple.id,
                SessionFeedback.session_id == session_id,
                SessionFeedback.partner_id == partner_id,
            )
        ).one_or_none()

    def add_entered_feedback(self, couple: Couple, feedback: SessionFeedback) -> SessionFeedback:
        """Session feedback the counselor entered in the room for a partner of a couple from
        `uow.couples.get`; the earlier one when the same form was sent twice."""
        actor = self._counselor()
        if feedback.couple_id != couple.id or feedback.entered_by != actor.counselor_id:
            raise PermissionDenied("Only feedback of your own couple can be entered.")
        return _add_feedback(self._session, feedback, feedback.partner_id)

    def sessions_listed(self, couple: Couple) -> list[tuple[int, int, dt.date]]:
        """(id, number, held_on) of the sessions of a couple from `uow.couples.get`, newest
        first: no notes, so nothing private is decrypted for a list."""
        self._counselor()
        return [
            (session_id, number, held_on)
            for session_id, number, held_on in self._session.execute(
                select(CounselingSession.id, CounselingSession.number, CounselingSession.held_on)
                .where(CounselingSession.couple_id == couple.id)
                .order_by(CounselingSession.number.desc())
            )
        ]

    def feedback_of(self, couple: Couple) -> list[tuple[SessionFeedback, int]]:
        """Every partner's session feedback of a couple from `uow.couples.get`, with the
        session's number, oldest session first."""
        self._counselor()
        rows = self._session.execute(
            select(SessionFeedback, CounselingSession.number)
            .join(CounselingSession, CounselingSession.id == SessionFeedback.session_id)
            .where(SessionFeedback.couple_id == couple.id)
            .order_by(CounselingSession.number, SessionFeedback.partner_id)
        ).all()
        return [(feedback, number) for feedback, number in rows]

    def checkins_of(self, couple: Couple, limit: int) -> Sequence[CheckIn]:
        """Both partners' check-ins of a couple from `uow.couples.get`, newest first."""
        self._counselor()
        return self._session.scalars(
            select(CheckIn)
            .where(CheckIn.couple_id == couple.id)
            .order_by(CheckIn.submitted_at.desc(), CheckIn.id.desc())
            .limit(limit)
        ).all()

    def reflections_of(
        self, couple: Couple, limit: int
    ) -> list[tuple[ExerciseProgress, Assignment]]:
        """Exercises done with a reflection, and their assignment, of a couple from
        `uow.couples.get`, newest first."""
        self._counselor()
        rows = self._session.execute(
            select(ExerciseProgress, Assignment)
            .join(Assignment, Assignment.id == ExerciseProgress.assignment_id)
            .where(Assignment.couple_id == couple.id, ExerciseProgress.reflection != "")
            .order_by(ExerciseProgress.done_at.desc())
            .limit(limit)
        ).all()
        return [(progress, assignment) for progress, assignment in rows]


def _add_feedback(session, feedback: SessionFeedback, partner_id: int) -> SessionFeedback:
    """Insert one feedback row; a second for the same session and partner, or the same form
    key, finds the first instead (the unique constraints decide, so parallel sends agree)."""
    session.add(feedback)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        earlier = session.scalars(
            select(SessionFeedback).where(
                SessionFeedback.partner_id == partner_id,
                or_(
                    SessionFeedback.idempotency_key == feedback.idempotency_key,
                    SessionFeedback.session_id == feedback.session_id,
                ),
            )
        ).first()
        if earlier is None:
            raise
        return earlier
    return feedback
