"""Automatic sign-out in a real browser: after the idle time, the next click shows the sign-in
page with the reason; signing in again goes on with the half-typed form, and the new login
cookie is set without leaving the page (a reload would start a new session without it)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from tests.e2e.conftest import screenshot, wait_for_app
from trustcare.db import make_engine, make_session_factory
from trustcare.models import Login

SIGN_IN = "Sign in to TrustCare"
DRAFT = "Lena spoke first about the evening walks."
IDLE_MESSAGE = "You were signed out after 15 minutes without activity."


def _idle_for(database_url: str, minutes: int) -> None:
    """As if the open login's last page run was `minutes` ago (the server's clock is real)."""
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        session.execute(
            update(Login)
            .where(Login.ended_at.is_(None))
            .values(started_at=long_ago, last_seen_at=long_ago, previously_seen_at=None)
        )
        session.commit()
    engine.dispose()


def test_the_next_click_after_the_idle_time_says_why_on_the_sign_in_page(server, browser):
    page = browser.new_context().new_page()
    page.goto(server.url)
    wait_for_app(page)
    page.get_by_label("Practice name").fill("Harbor Counseling")
    page.get_by_label("Your name").fill("Ada Fictional")
    page.get_by_label("Your email").fill("ada@harbor.example")
    page.get_by_role("textbox", name="Password (at least 10 characters)").fill("long password 1")
    page.get_by_role("button", name="Create practice").click()
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    wait_for_app(page)

    page.get_by_label("Couple label (how you name them in your caseload)").fill("Rivera")
    page.get_by_label("Partner 1 name").fill("Lena")
    page.get_by_label("Partner 2 name").fill("Marco")
    page.get_by_role("button", name="Add couple").click()
    page.get_by_role("tab", name="Sessions").click()
    wait_for_app(page)
    notes = page.get_by_label("Private notes (never shown to the couple)")
    notes.fill(DRAFT)
    notes.press("Tab")
    wait_for_app(page)

    _idle_for(server.database_url, 16)
    page.get_by_role("tab", name="Agenda").click()
    page.get_by_role("heading", name=SIGN_IN).wait_for(timeout=30_000)
    wait_for_app(page)
    page.get_by_text(IDLE_MESSAGE).wait_for(timeout=10_000)
    screenshot(page, "idle-sign-out-message")

    page.get_by_label("Email").fill("ada@harbor.example")
    page.get_by_role("textbox", name="Password").fill("long password 1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("tab", name="Sessions").click()
    wait_for_app(page)
    assert page.get_by_text(IDLE_MESSAGE).count() == 0
    assert notes.input_value() == DRAFT, "the half-typed notes are kept"
    screenshot(page, "idle-sign-out-draft-kept")
    # The login cookie came without leaving the page: a reload keeps the counselor signed in.
    page.reload()
    wait_for_app(page)
    page.get_by_role("tab", name="Sessions").wait_for(timeout=30_000)
