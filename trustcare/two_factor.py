"""Two-factor sign-in helpers: TOTP codes (RFC 6238), one-use recovery codes, and the signed
"remember this browser" cookie. Pure: no database, no Streamlit.

A TOTP code is accepted for its own 30-second step and one step either side (clock drift);
the caller stores the last accepted step, so a code seen over a shoulder cannot be used again.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from dataclasses import dataclass

import pyotp
import segno
from itsdangerous import BadSignature, URLSafeTimedSerializer

from trustcare.passwords import hash_password, verify_password

ISSUER = "TrustCare"
STEP_SECONDS = 30
# One step before and after the current one: a phone's clock a little off still works.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10
# 10 characters from an alphabet without look-alikes (0/O, 1/I/L): about 50 bits each.
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_RECOVERY_PATTERN = re.compile(r"^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$")
_CODE_PATTERN = re.compile(r"^\d{6}$")
# How long the second step waits after a right password before the password must be typed again.
SECOND_STEP_MAX_AGE = dt.timedelta(minutes=5)
TRUSTED_BROWSER_COOKIE = "trustcare_trusted_browser"
TRUSTED_BROWSER_MAX_AGE = 30 * 24 * 60 * 60
TRUSTED_TICKET_MAX_AGE = 60


def new_secret() -> str:
    """A random base32 secret of 160 bits (RFC 4226's recommended length)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, email: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_png(uri: str) -> bytes:
    """The QR code of an authenticator app's setup address, as PNG bytes (made here: the
    secret never goes to a QR service)."""
    image = io.BytesIO()
    segno.make(uri, error="m").save(image, kind="png", scale=6, border=2)
    return image.getvalue()


def time_step(at: dt.datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, at: dt.datetime) -> str:
    """The code an authenticator app shows at `at` (tests and the browser test use it)."""
    return pyotp.TOTP(secret).at(at)


def looks_like_code(text: str) -> bool:
    return bool(_CODE_PATTERN.match(normal_code(text)))


def normal_code(text: str) -> str:
    """What was typed, without spaces and dashes inside a six-digit code, capitals elsewhere."""
    cleaned = (text or "").strip().replace(" ", "").upper()
    digits = cleaned.replace("-", "")
    return digits if digits.isdigit() else cleaned


def matching_step(secret: str, code: str, at: dt.datetime, after_step: int | None) -> int | None:
    """The time step whose code this is (within the drift), if later than `after_step`.

    The latest matching step is returned, so a code is never accepted twice in its window:
    the caller stores the step and refuses any step up to it afterwards.
    """
    code = normal_code(code)
    if not _CODE_PATTERN.match(code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = time_step(at)
    for step in range(now_step + DRIFT_STEPS, now_step - DRIFT_STEPS - 1, -1):
        if after_step is not None and step <= after_step:
            continue
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes like "K7M2Q-9XWPA": shown once, stored only as hashes."""

    def one() -> str:
        letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        return f"{letters[:5]}-{letters[5:]}"

    return [one() for _ in range(RECOVERY_CODE_COUNT)]


def normal_recovery_code(text: str) -> str | None:
    """A typed recovery code in its stored form, or None if it cannot be one."""
    cleaned = (text or "").strip().replace(" ", "").replace("-", "").upper()
    candidate = f"{cleaned[:5]}-{cleaned[5:]}"
    return candidate if _RECOVERY_PATTERN.match(candidate) else None


def hash_recovery_code(code: str) -> str:
    return hash_password(code)


def recovery_code_matches(code_hash: str, code: str) -> bool:
    return verify_password(code_hash, code)


@dataclass(frozen=True)
class SecondFactorStep:
    """A right password for an account with a second factor: what the code step needs."""

    counselor_id: int
    session_version: int
    password_checked_at: dt.datetime

    def expired(self, now: dt.datetime) -> bool:
        return now - self.password_checked_at > SECOND_STEP_MAX_AGE


class SecondFactorRequired(Exception):
    """The password was right; the account asks for a code before a login starts."""

    def __init__(self, step: SecondFactorStep) -> None:
        super().__init__("A second factor is required.")
        self.step = step


@dataclass(frozen=True)
class TrustedBrowser:
    """A browser where this counselor passed the second step with "remember" ticked.

    Bound to the session version: "sign out everywhere", a password reset, deactivation and
    an admin's reset of the second factor all raise it, which forgets every such browser.
    """

    counselor_id: int
    session_version: int


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=f"trustcare-{purpose}")


def make_trusted_ticket(secret_key: str, trusted: TrustedBrowser) -> str:
    """What the cookie route trades for the cookie, once, right after the second step."""
    return _serializer(secret_key, "trusted-ticket").dumps(
        [trusted.counselor_id, trusted.session_version]
    )


def make_trusted_cookie(secret_key: str, trusted: TrustedBrowser) -> str:
    return _serializer(secret_key, "trusted-browser").dumps(
        [trusted.counselor_id, trusted.session_version]
    )


def _read(secret_key: str, purpose: str, value: str | None, max_age: int) -> TrustedBrowser | None:
    if not value:
        return None
    try:
        counselor_id, version = _serializer(secret_key, purpose).loads(value, max_age=max_age)
        return TrustedBrowser(int(counselor_id), int(version))
    except (BadSignature, ValueError, TypeError):
        return None


def read_trusted_ticket(secret_key: str, value: str | None) -> TrustedBrowser | None:
    return _read(secret_key, "trusted-ticket", value, TRUSTED_TICKET_MAX_AGE)


def read_trusted_cookie(secret_key: str, value: str | None) -> TrustedBrowser | None:
    return _read(secret_key, "trusted-browser", value, TRUSTED_BROWSER_MAX_AGE)
