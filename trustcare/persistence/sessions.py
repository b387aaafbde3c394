"""The therapy sessions of a counselor's couples."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import Row, func, select

from trustcare.errors import SessionNotFound
from trustcare.models import CounselingSession, Couple
from trustcare.persistence.base import Repository
from trustcare.persistence.ids import row_id


class SessionRepository(Repository):
    """The therapy sessions of a counselor's couples; every method takes a couple row from
    `uow.couples.get`, already checked, and reaches only that couple's sessions."""

    def sessions_of(self, couple: Couple) -> Sequence[Row]:
        """id, number, held_on, notes and created_at of each session, newest number first."""
        return self._session.execute(
            select(
                CounselingSession.id,
                CounselingSession.number,
                CounselingSession.held_on,
                CounselingSession.notes,
                CounselingSession.created_at,
            )
            .where(CounselingSession.couple_id == couple.id)
            .order_by(CounselingSession.number.desc())
        ).all()

    def next_number(self, couple: Couple) -> int:
        """The number the couple's next logged session gets (1 for the first)."""
        latest = self._session.scalar(
            select(func.max(CounselingSession.number)).where(
                CounselingSession.couple_id == couple.id
            )
        )
        return (latest or 0) + 1

    def add_session(self, session: CounselingSession) -> CounselingSession:
        """Store a newly logged session now, so it has its id."""
        self._counselor()
        return self._add(session)

    def logged(self, couple: Couple, session_id: object) -> CounselingSession:
        """One logged session of the couple; SessionNotFound for any other id."""
        session = self._session.scalars(
            select(CounselingSession).where(
                CounselingSession.id == row_id(session_id),
                CounselingSession.couple_id == couple.id,
            )
        ).one_or_none()
        if session is None:
            raise SessionNotFound()
        return session

    def correct(self, session: CounselingSession, held_on: dt.date, notes: str) -> None:
        """A logged session's corrected date and private notes."""
        session.held_on, session.notes = held_on, notes

    def delete_and_renumber(self, couple: Couple, session: CounselingSession) -> None:
        """Delete a logged session; the later ones move up one number, one at a time (the
        (couple, number) pair is unique, so they are renumbered in order)."""
        number = session.number
        self._session.delete(session)
        self._session.flush()
        later = self._session.scalars(
            select(CounselingSession)
            .where(CounselingSession.couple_id == couple.id, CounselingSession.number > number)
            .order_by(CounselingSession.number)
        ).all()
        for moved in later:
            moved.number -= 1
            self._session.flush()
