"""Who is acting: a counselor (local account or OIDC identity) with a role."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The signed-in counselor; every counselor query is scoped by these ids."""

    counselor_id: int
    practice_id: int
    role: str
    display_name: str
    email: str
    session_version: int = 1

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class PartnerActor:
    """A client who opened a valid personal link: they can reach only their own page."""

    partner_id: int
    couple_id: int
    practice_id: int
    link_id: int
    display_name: str
