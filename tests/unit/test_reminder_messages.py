"""The reminder email: both parts, the unsubscribe headers, escaped names, nothing clinical."""

from __future__ import annotations

import datetime as dt
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
