"""Check-ins and exercise progress, of a counselor's couples or of the partner behind a link."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class CheckinRepository(Repository):
    """Check-ins and exercise progress, of a counselor's couples or of the partner behind a link."""
