"""Personal and room check-in links."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class LinkRepository(Repository):
    """Personal and room check-in links."""
