"""The reminder email: both parts, the unsubscribe headers, escaped names, nothing clinical."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from trustcare.reminder_messages import (
    ReminderText,
    make_stop_token,
    read_stop_token,
    reminder_message,
    stop_url,
)

SECRET = "unit-test-secret"


def _text(**changes) -> ReminderText:
    values = dict(
        sender="care@harbor.example",
        to="lena@mail.example",
        partner_name="Lena",
        practice_name="Harbor Counseling",
        counselor_name="Ada Fictional",
        checkin_url="https://care.harbor.example/checkin?t=" + "a" * 43,
        stop_url=stop_url("https://care.harbor.example/", make_stop_token(SECRET, 7)),
        due_by=dt.datetime(2026, 3, 6, 9, 0, tzinfo=ZoneInfo("Europe/Berlin")),
    )
    values.update(changes)
    return ReminderText(**values)


def test_both_parts_name_the_practice_the_counselor_and_carry_both_links():
    message = reminder_message(_text())
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (plain, html):
        assert "Harbor Counseling" in part and "Ada Fictional" in part
        assert "https://care.harbor.example/checkin?t=" in part
        assert "https://care.harbor.example/reminders/stop?t=" in part
        assert "Friday 6 March at 09:00" in part
    assert message["Subject"] == "A reminder from Harbor Counseling: your check-in"


def test_list_unsubscribe_headers_point_at_the_stop_link():
    text = _text()
    message = reminder_message(text)
    assert message["List-Unsubscribe"] == f"<{text.stop_url}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_names_are_escaped_in_the_html_part():
    message = reminder_message(_text(partner_name="<b>Lena</b>", practice_name="A & B"))
    html = message.get_body(("html",)).get_content()
    assert "<b>Lena</b>" not in html and "&lt;b&gt;Lena&lt;/b&gt;" in html
    assert "A &amp; B" in html


def test_no_clinical_words():
    message = reminder_message(_text())
    everything = message.as_string().lower()
    for word in ("score", "trust pulse", "safety", "answer", "reflection", "alert"):
        assert word not in everything


def test_the_stop_token_names_the_partner_and_cannot_be_forged():
    token = make_stop_token(SECRET, 7)
    assert read_stop_token(SECRET, token) == 7
    assert read_stop_token("another-secret", token) is None
    assert read_stop_token(SECRET, token[:-2] + "xx") is None
    assert read_stop_token(SECRET, None) is None
    assert read_stop_token(SECRET, "x" * 500) is None


# --- in the partner's language ------------------------------------------------------------------

BASE = "https://care.harbor.example/"


def _spanish_text(**changes) -> ReminderText:
    """Lena's reminder, for a partner who reads TrustCare in Spanish."""
    token = make_stop_token(SECRET, 7)
    return _text(language="es", stop_url=stop_url(BASE, token, "es"), **changes)


def _parts(message) -> tuple[str, str]:
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def _english_phrases() -> list[str]:
    """Every clause the English email shows (subject, plain lines, HTML text), minus the links,
    so not even half a sentence can slip into another language's email unnoticed."""
    message = reminder_message(_text())
    plain, html = _parts(message)
    lines = [message["Subject"], *plain.splitlines(), *re.findall(r">([^<>]+)<", html)]
    clauses = {
        clause.strip()
        for line in lines
        if "://" not in line
        for clause in re.split(r"[.:,;()]", line)
    }
    return sorted(clause for clause in clauses if len(clause.split()) >= 2)


def test_a_spanish_partners_reminder_has_a_spanish_subject_and_body_in_both_parts():
    message = reminder_message(_spanish_text())
    plain, html = _parts(message)

    assert message["Subject"] == "Un recordatorio de Harbor Counseling: tu chequeo"
    for part in (plain, html):
        assert "Hola, Lena" in part
        assert "Ada Fictional" in part and "Harbor Counseling" in part
        assert "https://care.harbor.example/checkin?t=" in part
        assert "https://care.harbor.example/reminders/stop?t=" in part
        assert "Si prefieres no recibir estos recordatorios" in part


def test_a_spanish_reminder_names_the_day_in_spanish():
    plain, html = _parts(reminder_message(_spanish_text()))

    for part in (plain, html):
        assert "viernes, 6 de marzo, a las 09:00" in part
        assert "Friday" not in part and "March" not in part


def test_a_spanish_reminder_says_no_english_sentence_of_the_english_email():
    message = reminder_message(_spanish_text())
    plain, html = _parts(message)
    phrases = _english_phrases()

    assert len(phrases) >= 12  # the subject, the greeting, each clause and link text
    for phrase in phrases:
        assert phrase not in message["Subject"], phrase
        assert phrase not in plain, phrase
        assert phrase not in html, phrase


def test_the_html_part_declares_the_partners_language():
    _, spanish_html = _parts(reminder_message(_spanish_text()))
    _, english_html = _parts(reminder_message(_text()))
    _, unknown_html = _parts(reminder_message(_text(language="tlh")))

    assert "<html lang='es'>" in spanish_html
    assert "<html lang='en'>" in english_html
    assert "<html lang='en'>" in unknown_html


def test_a_reminder_in_a_language_without_a_catalog_is_written_in_english():
    message = reminder_message(_text(language="tlh"))

    assert message["Subject"] == "A reminder from Harbor Counseling: your check-in"
    assert "Friday 6 March at 09:00" in _parts(message)[0]


def test_only_a_spanish_stop_link_names_its_language():
    token = make_stop_token(SECRET, 7)

    spanish = urlsplit(stop_url(BASE, token, "es"))
    english = urlsplit(stop_url(BASE, token, "en"))
    default = urlsplit(stop_url(BASE, token))

    assert parse_qs(spanish.query) == {"t": [token], "lang": ["es"]}
    assert parse_qs(english.query) == {"t": [token]}
    assert parse_qs(default.query) == {"t": [token]}
    assert spanish.path == english.path == "/reminders/stop"


def test_a_spanish_reminders_unsubscribe_header_keeps_the_language():
    text = _spanish_text()
    message = reminder_message(text)

    assert message["List-Unsubscribe"] == f"<{text.stop_url}>"
    assert "lang=es" in message["List-Unsubscribe"]
