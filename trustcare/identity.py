"""Who is acting: a counselor (local account or OIDC identity) with a role, in which practice."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class InstalledPractice:
    """The one practice this installation serves, as every page needs it (router, sign-in)."""

    id: int
    name: str
    # A demo practice holds only fictional people; its sign-in page lists the demo logins.
    is_demo: bool


@dataclass(frozen=True)
class Actor:
    """The signed-in counselor; every counselor query is scoped by these ids."""

    counselor_id: int
    practice_id: int
    role: str
    display_name: str
    email: str
    session_version: int = 1
    # The server-side login row of a local-account sign-in; None for single sign-on.
    login_id: int | None = None

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


@dataclass(frozen=True)
class SignOnIdentity:
    """The practice identity provider's word on who is at the keyboard (from `st.user`)."""

    issuer: str
    subject: str
    email: str
    email_verified: bool | None
    expires_at: dt.datetime | None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any]) -> SignOnIdentity:
        """Read the ID-token claims Streamlit keeps; anything odd reads as absent, never raises."""
        exp = claims.get("exp")
        expires_at = (
            dt.datetime.fromtimestamp(exp, dt.UTC)
            if isinstance(exp, int | float) and not isinstance(exp, bool)
            else None
        )
        verified = claims.get("email_verified")
        if isinstance(verified, str) and verified.lower() in ("true", "false"):
            verified = verified.lower() == "true"
        return cls(
            issuer=str(claims.get("iss") or ""),
            subject=str(claims.get("sub") or ""),
            email=str(claims.get("email") or "").strip().lower(),
            email_verified=verified if isinstance(verified, bool) else None,
            expires_at=expires_at,
        )

    def is_expired(self, now: dt.datetime) -> bool:
        """Streamlit keeps its login cookie for 30 days whatever the token says, so we check."""
        return self.expires_at is None or now >= self.expires_at
