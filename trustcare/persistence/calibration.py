"""Check-in scores across the practice, for calibrating alert rules."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class CalibrationRepository(Repository):
    """Check-in scores across the practice, for calibrating alert rules."""
