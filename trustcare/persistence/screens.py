"""What the shared screen reads of a couple."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class SharedScreenRepository(Repository):
    """What the shared screen reads of a couple."""
