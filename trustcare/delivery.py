"""How a reminder reaches a partner: one small interface, email through the practice's SMTP.

An SMS channel would be another `Delivery`; the runner only calls `send`.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

from trustcare.practice_settings import SmtpSettings

SMTP_TIMEOUT_SECONDS = 15


class DeliveryFailed(Exception):
    """A message was not handed over; the text names the kind of failure, never an address."""


class Delivery(Protocol):
    def send(self, message: EmailMessage) -> None:
        """Hand the message over, or raise DeliveryFailed."""


class SmtpDelivery:
    """Email through one practice's SMTP server: STARTTLS when `use_tls`, a login when a user
    name is set, and a timeout on every step so a silent server cannot stall the runner."""

    def __init__(self, smtp: SmtpSettings, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.smtp = smtp
        self.timeout = timeout

    def send(self, message: EmailMessage) -> None:
        smtp = self.smtp
        if not smtp.configured:
            raise DeliveryFailed("no mail server is set up for the practice")
        try:
            with smtplib.SMTP(smtp.host, smtp.port, timeout=self.timeout) as server:
                if smtp.use_tls:
                    server.starttls(context=ssl.create_default_context())
                if smtp.username:
                    server.login(smtp.username, smtp.password)
                server.send_message(message)
        except smtplib.SMTPResponseException as error:
            raise DeliveryFailed(f"the mail server answered {error.smtp_code}") from error
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryFailed(f"{type(error).__name__} talking to the mail server") from error
