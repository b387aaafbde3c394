"""The first screen and the login cookie in a real browser: a double click on "Create practice"
makes one practice, and a login cookie copied before "Sign out" opens nothing afterwards."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from tests.e2e.conftest import screenshot, wait_for_app
from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.models import Counselor, Practice
from trustcare.persistence.uow import unscoped_work
from trustcare.services import accounts

CASELOAD = "Caseload"
SIGN_IN = "Sign in to TrustCare"


def _counts(database_url: str) -> tuple[int, int]:
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        counts = (
            session.scalar(select(func.count(Practice.id))),
            session.scalar(select(func.count(Counselor.id))),
        )
    engine.dispose()
    return counts


def _console_refusals(page) -> list[str]:
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    return refused


def _create_practice_with_a_double_click(page, url: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_label("Practice name").fill("Harbor Counseling")
    page.get_by_label("Your name").fill("Ada Fictional")
    page.get_by_label("Your email").fill("ada@harbor.example")
    page.get_by_role("textbox", name="Password (at least 10 characters)").fill("long password 1")
    page.get_by_role("button", name="Create practice").dblclick()


def _sign_in(page, url: str, email: str, password: str) -> None:
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("heading", name=SIGN_IN).wait_for(timeout=30_000)
    page.get_by_label("Email").fill(email)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
    wait_for_app(page)


def test_a_double_click_on_create_practice_makes_one_practice_and_signs_in(server, browser):
    page = browser.new_context().new_page()
    refused = _console_refusals(page)
    _create_practice_with_a_double_click(page, server.url)
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
    wait_for_app(page)
    page.wait_for_timeout(1000)
    wait_for_app(page)
    assert page.locator("[data-testid=stException]").count() == 0
    assert page.locator("[data-testid=stAlertContentError]").count() == 0
    assert _counts(server.database_url) == (1, 1)
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
    screenshot(page, "double-click-create-practice")
    assert refused == [], "the security policy refused something the app needs"


def test_a_cookie_copied_before_sign_out_opens_nothing_afterwards(server, browser):
    page = browser.new_context().new_page()
    _create_practice_with_a_double_click(page, server.url)
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
    page.reload()
    wait_for_app(page)
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
    copied = page.context.cookies()
    assert any(cookie["name"] == "trustcare_session" for cookie in copied)

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("heading", name=SIGN_IN).wait_for(timeout=30_000)
    wait_for_app(page)
    assert not any(c["name"] == "trustcare_session" for c in page.context.cookies())

    thief = browser.new_context()
    thief.add_cookies(copied)
    stolen = thief.new_page()
    stolen.goto(server.url)
    wait_for_app(stolen)
    stolen.get_by_role("heading", name=SIGN_IN).wait_for(timeout=30_000)
    assert stolen.get_by_role("heading", name=CASELOAD).count() == 0
    screenshot(stolen, "copied-cookie-after-sign-out")


def _practice(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    accounts.create_practice(
        partial(unscoped_work, make_session_factory(engine)),
        "Harbor Counseling",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    engine.dispose()


def test_sign_out_everywhere_ends_the_login_on_another_browser(server, browser):
    _practice(server.database_url)
    laptop = browser.new_context().new_page()
    phone = browser.new_context().new_page()
    _sign_in(laptop, server.url, "ada@harbor.example", "long password 1")
    _sign_in(phone, server.url, "ada@harbor.example", "long password 1")
    phone.reload()
    wait_for_app(phone)
    phone.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)

    laptop.get_by_role("button", name="Sign out everywhere").click()
    laptop.get_by_role("heading", name=SIGN_IN).wait_for(timeout=30_000)
    phone.reload()
    wait_for_app(phone)
    phone.get_by_role("heading", name=SIGN_IN).wait_for(timeout=30_000)
    screenshot(phone, "signed-out-everywhere")


def test_a_plain_link_to_session_end_signs_no_one_out(server, browser):
    """A GET (an image, a link on another site) ends nothing; sign-out is a POST with a token."""
    _practice(server.database_url)
    page = browser.new_context().new_page()
    _sign_in(page, server.url, "ada@harbor.example", "long password 1")
    page.goto(f"{server.url}/session/end")
    page.goto(server.url)
    wait_for_app(page)
    page.get_by_role("heading", name=CASELOAD).wait_for(timeout=30_000)
