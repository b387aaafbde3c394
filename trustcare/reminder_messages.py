"""The reminder email in the partner's words, and the signed link that stops reminders.

Pure: nothing here reads a clock, a database or the network. The message names the practice
and the counselor (so it does not read like phishing), carries the partner's personal link and
a stop link, and nothing clinical: no measure, no score, no answer.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer

STOP_PATH = "reminders/stop"
# A stop link keeps working for as long as anyone would keep the email.
STOP_TOKEN_MAX_AGE = 2 * 365 * 24 * 60 * 60


def _stop_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="trustcare-reminders-stop")


def make_stop_token(secret_key: str, partner_id: int) -> str:
    """A signed value naming the partner: only this installation can make one."""
    return _stop_serializer(secret_key).dumps(partner_id)


def read_stop_token(secret_key: str, value: str | None) -> int | None:
    """The partner a stop token names, or None for a missing, forged or very old one."""
    if not value or len(value) > 200:
        return None
    try:
        partner_id = _stop_serializer(secret_key).loads(value, max_age=STOP_TOKEN_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return partner_id if isinstance(partner_id, int) and partner_id > 0 else None


def stop_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/{STOP_PATH}?{urlencode({'t': token})}"


@dataclass(frozen=True)
class ReminderText:
    """What a reminder says; every name is the practice's own (from its records)."""

    sender: str
    to: str
    partner_name: str
    practice_name: str
    counselor_name: str
    checkin_url: str
    stop_url: str
    due_by: dt.datetime  # in the practice's local time


def _due(when: dt.datetime) -> str:
    return f"{when:%A} {when.day} {when:%B} at {when:%H:%M}"


def reminder_message(text: ReminderText) -> EmailMessage:
    """The email: a plain-text part and an HTML part, with List-Unsubscribe headers."""
    message = EmailMessage()
    message["From"] = text.sender
    message["To"] = text.to
    message["Subject"] = f"A reminder from {text.practice_name}: your check-in"
    message["Message-ID"] = make_msgid(domain="trustcare.invalid")
    message["List-Unsubscribe"] = f"<{text.stop_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    due = _due(text.due_by)
    message.set_content(
        f"Hello {text.partner_name},\n\n"
        f"{text.counselor_name} at {text.practice_name} asked us to remind you: your check-in "
        f"is open until {due}. It takes a few minutes.\n\n"
        f"Your personal link (please keep it to yourself):\n{text.checkin_url}\n\n"
        "If you would rather not get these reminders, stop them here:\n"
        f"{text.stop_url}\n\n"
        f"If you did not expect this email, please ask {text.counselor_name} at your next "
        "session, or ignore it.\n"
    )
    e = html.escape
    message.add_alternative(
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(message['Subject'])}</title></head>"
        "<body style='font-family: sans-serif; font-size: 17px; line-height: 1.5; "
        "max-width: 36em; margin: 1em auto; padding: 0 1em'>"
        f"<p>Hello {e(text.partner_name)},</p>"
        f"<p>{e(text.counselor_name)} at {e(text.practice_name)} asked us to remind you: your "
        f"check-in is open until {e(due)}. It takes a few minutes.</p>"
        f'<p><a href="{e(text.checkin_url)}">Open your check-in</a> '
        "(your personal link: please keep it to yourself)</p>"
        f'<p>If you would rather not get these reminders, <a href="{e(text.stop_url)}">stop '
        "them here</a>.</p>"
        f"<p>If you did not expect this email, please ask {e(text.counselor_name)} at your next "
        "session, or ignore it.</p>"
        "</body></html>",
        subtype="html",
    )
    return message
