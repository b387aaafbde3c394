"""The practice itself: its record and its settings (the one reader of the settings)."""

from __future__ import annotations

import logging

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from trustcare.models import Practice
from trustcare.persistence.base import Repository
from trustcare.practice_settings import PracticeSettings, form_label

log = logging.getLogger(__name__)


def read_practice_settings(session: Session, practice_id: int) -> tuple[PracticeSettings, str]:
    """The one reader of a practice's settings: (settings, problem).

    A stored record that no longer validates (a hand edit, an old release) gives the defaults
    and a logged warning, never an error page: `problem` says what was wrong, for the admin's
    settings page. The record's values are not logged (the SMTP password is among them).
    """
    stored = session.scalar(select(Practice.settings).where(Practice.id == practice_id))
    try:
        return PracticeSettings.from_stored(stored), ""
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
        log.warning(
            "practice %s: stored settings are not valid (%s); using the defaults",
            practice_id,
            ", ".join(fields),
        )
        named = ", ".join(form_label(name) for name in fields)
        return PracticeSettings(), f"the stored settings could not be read ({named})"


class PracticeRepository(Repository):
    """The acting identity's practice; an unscoped unit of work names the practice instead."""

    def _practice_id(self) -> int:
        if self._actor is None:
            raise TypeError("an unscoped unit of work names its practice: use settings_of")
        return self._actor.practice_id

    def settings(self) -> PracticeSettings:
        """The settings of the actor's practice (defaults if the stored record is bad)."""
        return read_practice_settings(self._session, self._practice_id())[0]

    def settings_and_problem(self) -> tuple[PracticeSettings, str]:
        """The settings and what was wrong with the stored record, for the admin's page."""
        return read_practice_settings(self._session, self._practice_id())

    def settings_of(self, practice_id: int) -> PracticeSettings:
        """The settings of a practice reached through a row already in scope (a link's
        couple, a couple just written); never from an id a person typed."""
        return read_practice_settings(self._session, practice_id)[0]
