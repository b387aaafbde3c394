"""The fictional demo practice, written in one go."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class SeedRepository(Repository):
    """The fictional demo practice, written in one go."""
