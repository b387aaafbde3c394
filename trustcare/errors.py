"""Small named errors that pages turn into kind messages."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a page is expected to show to the person."""


class NotFound(ServiceError):
    """The record does not exist for this actor; deliberately the same whether it exists or not."""


class CoupleNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("That couple was not found in your caseload.")


class SessionNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("That session was not found.")


class LoginEnded(ServiceError):
    """The counselor's login ended (signed out, or past the idle time or the maximum age)
    before this write: nothing was saved; what they typed stays for after signing in."""


class PermissionDenied(ServiceError):
    """The actor may not do this at all (for example a counselor calling an admin service)."""


class InvalidInput(ServiceError):
    """One or more fields are wrong; `problems` maps a field name to what to fix."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{field}: {message}" for field, message in problems.items()))


class LoginFailed(ServiceError):
    def __init__(self) -> None:
        super().__init__("That email and password do not match an active account.")


class LoginThrottled(ServiceError):
    def __init__(self, wait_seconds: int) -> None:
        self.wait_seconds = wait_seconds
        super().__init__(
            f"Too many failed attempts. Please wait {wait_seconds} seconds and try again."
        )


class LinkNotUsable(ServiceError):
    """Any bad, tampered, expired or revoked link: one message, which reveals nothing."""

    def __init__(self) -> None:
        super().__init__("This link no longer works. Please ask your counselor for a new one.")


class AssignmentNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("That assignment was not found.")


class PartnerNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("That partner was not found in this couple.")


class EmailNotSent(ServiceError):
    """The practice's mail server refused or could not be reached; the message says what to fix."""


class StorageUnavailable(ServiceError):
    """The database could not be reached; nothing was stored and the person can retry."""

    def __init__(self) -> None:
        super().__init__(
            "We could not save this just now. Your answers are still here: "
            "please try again in a minute."
        )
