"""In a real browser: the counselor gives a couple its next session and its own check-in
schedule on the Details tab, then sees the next session and completion on the caseload; a
partner on a phone-size screen sees what is due and stops reminder emails from their page, and
the counselor sees the stop on the couple record."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import PHONE, harbor_with_rivera, screenshot, sign_in, wait_for_app
from trustcare.db import make_engine, make_session_factory
from trustcare.models import Couple, Partner, Practice
from trustcare.persistence.uow import CounselorWork
from trustcare.services import couples, links

SHOTS = Path("/tmp/shots/schedules")


def keep(page, name: str) -> None:
    """A screenshot in the test artifacts, and a copy to look at."""
    path = screenshot(page, name)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, SHOTS / path.name)


def seed(database_url: str, base_url: str) -> tuple[int, str]:
    """Harbor in Berlin: Rivera (Lena has an email) and Okafor, on a schedule for 6 weeks
    without a check-in. Returns Rivera's id and Lena's personal link."""
    harbor = harbor_with_rivera(database_url)
    engine, factory, ada, rivera = harbor.engine, harbor.factory, harbor.ada, harbor.rivera
    with CounselorWork(factory, ada) as uow:
        okafor = couples.create_couple(
            uow, "Okafor", [couples.PartnerInput("Chidi"), couples.PartnerInput("Tess")]
        )
    with factory() as session:
        session.get(Practice, ada.practice_id).settings = {"time_zone": "Europe/Berlin"}
        quiet = session.get(Couple, okafor)
        quiet.schedule = {"kind": "every_weeks", "every_weeks": 1, "weekday": 0}
        quiet.schedule_since = dt.date.today() - dt.timedelta(weeks=6)
        lena_id = session.scalars(
            select(Partner.id).where(Partner.couple_id == rivera, Partner.position == 1)
        ).one()
        session.commit()
    with CounselorWork(factory, ada) as uow:
        issued = links.issue_link(uow, rivera, lena_id, base_url)
    engine.dispose()
    return rivera, issued.url


def test_a_schedule_and_next_session_are_set_and_a_partner_stops_reminders(server, browser):
    rivera, lena_link = seed(server.database_url, server.url)
    counselor = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = counselor.new_page()
    sign_in(page, server.url)
    page.goto(f"{server.url}/couple?couple={rivera}&tab=Details+and+status")
    page.get_by_role("heading", name="Rivera").wait_for(timeout=30_000)
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Next session")).to_be_visible(timeout=30_000)

    day = dt.date.today() + dt.timedelta(days=6)
    # The date field is three spin buttons (year, month, day), typed into one by one.
    for part, value in (("year", f"{day:%Y}"), ("month", f"{day:%m}"), ("day", f"{day:%d}")):
        page.get_by_role("spinbutton", name=f"{part}, Date (Europe/Berlin)").click()
        page.keyboard.type(value)
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Save next session").click()
    wait_for_app(page)
    expect(page.get_by_text("Next session saved.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(f"{day:%A} {day.day} {day:%B %Y}, 17:00")).to_be_visible()

    page.get_by_text("Its own schedule", exact=True).click()
    page.locator("[data-testid=stSelectbox]").filter(has_text="Check-ins are due").click()
    page.get_by_role("option", name="Every few weeks on a weekday").click()
    page.get_by_role("button", name="Save schedule").click()
    wait_for_app(page)
    expect(page.get_by_text("Schedule saved.")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("Not reachable by email").first).to_be_visible()
    page.get_by_role("heading", name="Check-in schedule").scroll_into_view_if_needed()
    keep(page, "schedules-details-form")

    page.goto(f"{server.url}/")
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    wait_for_app(page)
    expect(page.locator("[data-testid=stDataFrame] canvas").first).to_be_visible(timeout=30_000)
    page.wait_for_timeout(800)
    keep(page, "schedules-caseload-next-session")

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(lena_link)
    wait_for_app(phone)
    phone.get_by_role("button", name="Yes, I am Lena").click()
    wait_for_app(phone)
    stop = phone.get_by_role("button", name="Stop reminder emails")
    expect(stop).to_be_visible(timeout=30_000)
    keep(phone, "schedules-phone-before-stop")
    stop.click()
    wait_for_app(phone)
    expect(phone.get_by_text("Reminder emails are stopped.")).to_be_visible(timeout=30_000)
    expect(phone.get_by_role("button", name="Stop reminder emails")).to_have_count(0)
    keep(phone, "schedules-phone-stopped")

    page.goto(f"{server.url}/couple?couple={rivera}&tab=Details+and+status")
    wait_for_app(page)
    expect(page.get_by_text("Stopped reminders on").first).to_be_visible(timeout=30_000)
    expect(page.get_by_role("button", name="Restart reminders")).to_be_visible()
    counselor.close()

    engine = make_engine(server.database_url)
    with make_session_factory(engine)() as session:
        couple = session.get(Couple, rivera)
        assert couple.schedule["kind"] == "every_weeks"
        assert couple.next_session_at is not None
        stopped = session.scalars(
            select(Partner.reminders_stopped_at).where(Partner.couple_id == rivera)
        ).all()
    engine.dispose()
    assert sum(at is not None for at in stopped) == 1
