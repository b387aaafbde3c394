"""What a couple's progress page reads."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class ProgressRepository(Repository):
    """What a couple's progress page reads."""
