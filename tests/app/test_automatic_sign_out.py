"""Automatic sign-out under a fake clock: the next click after the idle time shows the sign-in
page with the reason, and the session notes being typed are there again after signing in."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from tests.app.test_counselor_pages import (
    harbor,  # noqa: F401 (a fixture)
    open_couple,
)
from trustcare import clock
from trustcare.models import CounselingSession

NOTES = "Private notes (never shown to the couple)"
DRAFT = "Chidi named the evening walks as the part that helps."


def _area(at, label):
    return next(a for a in at.text_area if a.label == label)


def _clock_moved(monkeypatch, by: dt.timedelta) -> None:
    real = clock.utcnow
    monkeypatch.setattr(clock, "utcnow", lambda: real() + by)


def _sign_in(at, email, password):
    next(t for t in at.text_input if t.label == "Email").input(email)
    next(t for t in at.text_input if t.label == "Password").input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    return at


def test_an_idle_login_ends_on_the_next_click_and_keeps_the_draft(harbor, monkeypatch):  # noqa: F811
    at = open_couple(harbor["ben"], harbor["okafor"], tab="Sessions")
    _area(at, NOTES).input(DRAFT).run()
    assert not at.exception

    _clock_moved(monkeypatch, dt.timedelta(minutes=16))
    at.run()
    assert not at.exception
    assert at.title[0].value == "Sign in to TrustCare"
    assert [w.value for w in at.warning] == [
        "You were signed out after 15 minutes without activity. "
        "Sign in again to go on: notes you had not saved yet are kept."
    ]
    at.run()  # a second signed-out run (typing the email) keeps the draft too

    _sign_in(at, "ben@harbor.example", "long password 2")
    assert not at.exception
    assert at.title[0].value != "Sign in to TrustCare"
    assert _area(at, NOTES).value == DRAFT
    assert not at.warning, "the reason is said once, on the sign-in page"


def test_someone_else_signing_in_after_the_timeout_gets_no_draft(harbor, monkeypatch):  # noqa: F811
    at = open_couple(harbor["ben"], harbor["okafor"], tab="Sessions")
    _area(at, NOTES).input(DRAFT).run()
    notes_key = f"draft:log-session:{harbor['okafor']}:notes:0"
    assert at.session_state[notes_key] == DRAFT
    _clock_moved(monkeypatch, dt.timedelta(minutes=16))
    at.run()
    _sign_in(at, "ada@harbor.example", "long password 1")
    assert not at.exception
    assert notes_key not in at.session_state, "Ben's draft is not left for Ada"


def test_clicks_within_the_idle_time_keep_the_counselor_signed_in(harbor, monkeypatch):  # noqa: F811
    at = open_couple(harbor["ben"], harbor["okafor"], tab="Sessions")
    real = clock.utcnow
    offset = [dt.timedelta(0)]
    monkeypatch.setattr(clock, "utcnow", lambda: real() + offset[0])
    for minutes in (10, 20, 30):
        offset[0] = dt.timedelta(minutes=minutes)
        at.run()
        assert at.title[0].value != "Sign in to TrustCare", f"signed out at minute {minutes}"


def _logged_sessions(practice, couple_id) -> int:
    with practice["factory"]() as session:
        return session.scalar(
            select(func.count(CounselingSession.id)).where(
                CounselingSession.couple_id == couple_id
            )
        )


def test_a_save_clicked_after_the_idle_time_saves_nothing_and_keeps_the_draft(
    harbor,  # noqa: F811
    monkeypatch,
):
    """The button's callback runs before the router ends the login: the write itself refuses."""
    at = open_couple(harbor["ben"], harbor["okafor"], tab="Sessions")
    _area(at, NOTES).input(DRAFT).run()
    _clock_moved(monkeypatch, dt.timedelta(minutes=16))
    next(b for b in at.button if b.label == "Save session").click().run()
    assert not at.exception
    assert _logged_sessions(harbor, harbor["okafor"]) == 0
    assert at.title[0].value == "Sign in to TrustCare"

    _sign_in(at, "ben@harbor.example", "long password 2")
    assert _area(at, NOTES).value == DRAFT
    next(b for b in at.button if b.label == "Save session").click().run()
    assert _logged_sessions(harbor, harbor["okafor"]) == 1
