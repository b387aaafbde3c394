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

from trustcare import i18n
from trustcare.languages import known_language

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


def stop_url(base_url: str, token: str, language: str = "en") -> str:
    """The stop link; it names the partner's language so its pages speak it (nothing else)."""
    language = known_language(language)
    query = {"t": token} if language == "en" else {"t": token, "lang": language}
    return f"{base_url.rstrip('/')}/{STOP_PATH}?{urlencode(query)}"


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
    language: str = "en"


def reminder_message(text: ReminderText) -> EmailMessage:
    """The email, in the partner's language: a plain-text part and an HTML part, with
    List-Unsubscribe headers."""
    _ = i18n.gettext_for(text.language)
    names = {"partner": text.partner_name, "practice": text.practice_name}
    names["counselor"] = text.counselor_name
    message = EmailMessage()
    message["From"] = text.sender
    message["To"] = text.to
    message["Subject"] = _("A reminder from {practice}: your check-in").format(**names)
    message["Message-ID"] = make_msgid(domain="trustcare.invalid")
    message["List-Unsubscribe"] = f"<{text.stop_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    due = i18n.day_and_time(text.due_by, text.language, in_a_sentence=True)
    hello = _("Hello {partner},")
    asked = _(
        "{counselor} at {practice} asked us to remind you: your check-in is open until {due}. "
        "It takes a few minutes."
    )
    keep = _("Your personal link (please keep it to yourself):")
    stop = _("If you would rather not get these reminders, stop them here:")
    unexpected = _(
        "If you did not expect this email, please ask {counselor} at your next session, "
        "or ignore it."
    )
    message.set_content(
        f"{hello.format(**names)}\n\n"
        f"{asked.format(due=due, **names)}\n\n"
        f"{keep}\n{text.checkin_url}\n\n"
        f"{stop}\n{text.stop_url}\n\n"
        f"{unexpected.format(**names)}\n"
    )
    e = html.escape
    safe = {key: e(value) for key, value in names.items()}
    message.add_alternative(
        f"<!DOCTYPE html><html lang='{e(known_language(text.language))}'><head>"
        "<meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{e(message['Subject'])}</title></head>"
        "<body style='font-family: sans-serif; font-size: 17px; line-height: 1.5; "
        "max-width: 36em; margin: 1em auto; padding: 0 1em'>"
        f"<p>{e(hello).format(**safe)}</p>"
        f"<p>{e(asked).format(due=e(due), **safe)}</p>"
        f'<p><a href="{e(text.checkin_url)}">{e(_("Open your check-in"))}</a> '
        f"({e(_('your personal link: please keep it to yourself'))})</p>"
        f"<p>{e(_('If you would rather not get these reminders,'))} "
        f'<a href="{e(text.stop_url)}">{e(_("stop them here"))}</a>.</p>'
        f"<p>{e(unexpected).format(**safe)}</p>"
        "</body></html>",
        subtype="html",
    )
    return message
