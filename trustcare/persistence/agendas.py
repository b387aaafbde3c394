"""A couple's agenda and what the counselor acknowledged on it."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class AgendaRepository(Repository):
    """A couple's agenda and what the counselor acknowledged on it."""
