"""Modules and tracks assigned to a couple or one partner."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class AssignmentRepository(Repository):
    """Modules and tracks assigned to a couple or one partner."""
