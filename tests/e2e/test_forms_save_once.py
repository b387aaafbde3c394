"""Forms people double-click and paste into, in a real browser: one record per save, an empty
form and a confirmation after it, and a pasted text that is too long is named as such."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.e2e.conftest import (
    harbor_with_rivera,
    hold_still,
    screenshot,
    signed_in_on_a_desktop,
    wait_for_app,
)
from trustcare.db import make_engine, make_session_factory
from trustcare.models import Assignment, CounselingSession, Couple


def _seed(database_url: str) -> int:
    harbor = harbor_with_rivera(database_url, lena_email=None)
    harbor.engine.dispose()
    return harbor.rivera


def _count(database_url: str, model) -> int:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        count = session.scalar(select(func.count(model.id)))
    engine.dispose()
    return count


def _settle(page) -> None:
    wait_for_app(page)
    page.wait_for_timeout(800)
    wait_for_app(page)


def test_double_clicks_on_save_session_and_assign_make_one_record_each(server, browser):
    couple_id = _seed(server.database_url)
    page = signed_in_on_a_desktop(browser, server.url)
    page.goto(f"{server.url}/couple?couple={couple_id}&tab=Sessions")
    wait_for_app(page)
    notes = page.get_by_label("Private notes (never shown to the couple)")
    notes.fill("Lena spoke first; Marco listened.")
    save = page.get_by_role("button", name="Save session")
    hold_still(save)
    save.dblclick()
    page.get_by_text("Session 1 saved.").wait_for(timeout=30_000)
    _settle(page)
    assert _count(server.database_url, CounselingSession) == 1
    assert page.get_by_label("Private notes (never shown to the couple)").input_value() == ""
    screenshot(page, "session-saved-once")

    page.goto(f"{server.url}/couple?couple={couple_id}&tab=Assignments")
    wait_for_app(page)
    audience = page.get_by_role("combobox", name="For")
    audience.click()
    audience.press_sequentially("Both")
    audience.press("Enter")
    page.get_by_label("A note to the client (they will read it)").fill("Ten minutes is plenty.")
    assign = page.get_by_role("button", name="Assign", exact=True)
    hold_still(assign)
    assign.dblclick()
    page.get_by_text("The module is assigned").wait_for(timeout=30_000)
    _settle(page)
    assert _count(server.database_url, Assignment) == 1
    assert page.get_by_label("A note to the client (they will read it)").input_value() == ""
    screenshot(page, "assignment-saved-once")


def test_a_double_click_on_add_couple_adds_one_and_a_long_paste_is_named(server, browser):
    _seed(server.database_url)
    page = signed_in_on_a_desktop(browser, server.url)
    page.get_by_text("Add a couple").click()
    label = page.get_by_label("Couple label (how you name them in your caseload)")
    label.wait_for(timeout=30_000)
    pasted = "Nakamura and family " * 6
    label.fill(pasted)
    page.get_by_label("Partner 1 name").fill("Yui")
    page.get_by_label("Partner 2 name").fill("Dev")
    page.get_by_role("button", name="Add couple").click()
    page.get_by_text("must be at most 80 characters").wait_for(timeout=30_000)
    assert label.input_value() == pasted, "what was pasted stays, to be shortened"
    screenshot(page, "pasted-label-too-long")

    label.fill("Nakamura")
    add = page.get_by_role("button", name="Add couple")
    hold_still(add)
    add.dblclick()
    page.get_by_role("heading", name="Nakamura").wait_for(timeout=30_000)
    _settle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    assert _count(server.database_url, Couple) == 2


def test_a_double_click_on_issue_a_link_shows_the_one_link_that_works(server, browser):
    from trustcare.models import CheckinLink

    couple_id = _seed(server.database_url)
    page = signed_in_on_a_desktop(browser, server.url)
    page.goto(f"{server.url}/couple?couple={couple_id}&tab=Links")
    wait_for_app(page)
    issue = page.get_by_role("button", name="Issue a link").first
    hold_still(issue)
    issue.dblclick()
    shown = page.locator("[data-testid=stCode]").first
    shown.wait_for(timeout=30_000)
    _settle(page)
    url = shown.inner_text().strip()
    engine = make_engine(server.database_url)
    with make_session_factory(engine)() as session:
        live = session.scalars(select(CheckinLink).where(CheckinLink.revoked_at.is_(None))).all()
    engine.dispose()
    assert len(live) == 1
    phone = browser.new_context().new_page()
    phone.goto(url)
    wait_for_app(phone)
    phone.get_by_role("button", name="Yes, I am Lena").wait_for(timeout=30_000)
    screenshot(page, "link-issued-once")
