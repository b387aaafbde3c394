"""What every scoped repository shares: the unit of work's session and the actor it acts for."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from trustcare.identity import Actor, PartnerActor

Row = TypeVar("Row")


class Repository:
    """Rows of one kind in reach of one actor, through one unit of work's session.

    A repository is built by the unit of work (never by a service) with the actor it was
    opened for; `actor` is None only in `unscoped_work`, for the entry points before sign-in.
    """

    def __init__(self, session: Session, actor: Actor | PartnerActor | None) -> None:
        self._session = session
        self._actor = actor

    def _add(self, row: Row) -> Row:
        """Store a new row now, so it has its id (and its constraints were checked)."""
        self._session.add(row)
        self._session.flush()
        return row

    def _counselor(self) -> Actor:
        if not isinstance(self._actor, Actor):
            raise TypeError(f"{type(self).__name__} needs a counselor's unit of work")
        return self._actor

    def _partner(self) -> PartnerActor:
        if not isinstance(self._actor, PartnerActor):
            raise TypeError(f"{type(self).__name__} needs a partner's unit of work")
        return self._actor
