"""Check-in link tokens: made, hashed and compared here, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlencode

TOKEN_BYTES = 32
CHECKIN_PATH = "checkin"


def new_token() -> str:
    """32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_token(token: object) -> bool:
    """Cheap shape check before any database work; garbage never reaches a query."""
    return (
        isinstance(token, str)
        and 40 <= len(token) <= 64
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in token)
    )


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a, b)


def checkin_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/{CHECKIN_PATH}?{urlencode({'t': token})}"
