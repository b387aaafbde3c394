"""Signed values that keep a local-account login across page reloads.

A login held only in `st.session_state` is lost on reload (Streamlit issue #9614), so after a
password check the page sends the browser once through `/auth/session` with a short-lived
ticket, and that route sets a signed, HttpOnly cookie. The cookie names the counselor, their
session version and the server-side login: "Sign out" ends that login row, so a copied cookie
opens nothing afterwards, and deactivating a counselor, resetting a password or "sign out
everywhere" raise the version, which ends every open login at once. The ticket is good once
(the login row records its use) and for a minute.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE_NAME = "trustcare_session"
COOKIE_MAX_AGE = 12 * 60 * 60
TICKET_MAX_AGE = 60


@dataclass(frozen=True)
class LoginClaim:
    counselor_id: int
    session_version: int
    login_id: int


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"trustcare-{purpose}")


def make_ticket(secret_key: str, claim: LoginClaim) -> str:
    return _serializer(secret_key, "ticket").dumps(_fields(claim))


def make_cookie_value(secret_key: str, claim: LoginClaim) -> str:
    return _serializer(secret_key, "cookie").dumps(_fields(claim))


def make_sign_out_token(secret_key: str, claim: LoginClaim) -> str:
    """The form field that /session/end asks for: a page from another site cannot make one,
    so it cannot sign a counselor out (cross-site request forgery)."""
    return _serializer(secret_key, "sign-out").dumps(_fields(claim))


def _fields(claim: LoginClaim) -> list[int]:
    return [claim.counselor_id, claim.session_version, claim.login_id]


def _read(secret_key: str, purpose: str, value: str | None, max_age: int) -> LoginClaim | None:
    if not value:
        return None
    try:
        counselor_id, version, login_id = _serializer(secret_key, purpose).loads(
            value, max_age=max_age
        )
        return LoginClaim(int(counselor_id), int(version), int(login_id))
    except (BadSignature, ValueError, TypeError):
        return None


def read_ticket(secret_key: str, value: str | None) -> LoginClaim | None:
    return _read(secret_key, "ticket", value, TICKET_MAX_AGE)


def read_cookie(secret_key: str, value: str | None) -> LoginClaim | None:
    return _read(secret_key, "cookie", value, COOKIE_MAX_AGE)


def read_sign_out_token(secret_key: str, value: str | None) -> LoginClaim | None:
    return _read(secret_key, "sign-out", value, TICKET_MAX_AGE)
