"""The therapy sessions of a counselor's couples."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class SessionRepository(Repository):
    """The therapy sessions of a counselor's couples."""
