"""Check-in scores across the practice, for calibrating alert rules."""

from __future__ import annotations

from sqlalchemy import Row, select

from trustcare.models import CheckIn
from trustcare.persistence.base import Repository


class CalibrationRepository(Repository):
    """Check-in scores across the practice, for calibrating alert rules.

    Unscoped: `trustcare calibrate` runs from the console of the server, on a database that
    holds one practice, before and without anyone signing in; it reads only scores, never
    reflections, safety answers or names.
    """

    def scores_of(self, measure_id: str) -> list[Row]:
        """(partner_id, measure_version, total, answers) of every check-in of this measure,
        by partner and time."""
        if self._actor is not None:
            raise TypeError("calibration reads the whole database: an unscoped unit of work only")
        return list(
            self._session.execute(
                select(CheckIn.partner_id, CheckIn.measure_version, CheckIn.total, CheckIn.answers)
                .where(CheckIn.measure_id == measure_id)
                .order_by(CheckIn.partner_id, CheckIn.submitted_at, CheckIn.id)
            ).all()
        )
