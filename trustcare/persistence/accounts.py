"""Counselor accounts, their logins and sign-in attempts."""

from __future__ import annotations

from trustcare.persistence.base import Repository


class AccountRepository(Repository):
    """Counselor accounts, their logins and sign-in attempts."""
