"""The audit trail of the practice."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class AuditRepository(Repository):
    """The audit trail of the practice."""
