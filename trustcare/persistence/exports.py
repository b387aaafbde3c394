"""What a couple's CSV export reads."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class ExportRepository(Repository):
    """What a couple's CSV export reads."""
