"""The shared screen's QR code (a room link) on a phone: nothing private until claimed, once."""

from __future__ import annotations

from functools import partial

from tests.couple_parts import shown_links
from tests.e2e.conftest import screenshot, wait_for_app
from tests.e2e.test_checkin_on_a_phone import PHONE, seed
from trustcare.db import make_engine, make_session_factory
from trustcare.identity import Actor
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, links

NO_LONGER_WORKS = "This link no longer works. Please ask your counselor for a new one."


def room_url(database_url: str, couple_id: int, base: str) -> str:
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    ada: Actor = accounts.authenticate(
        partial(unscoped_work, factory), "ada@harbor.example", "long password 1"
    )
    with CounselorWork(factory, ada) as uow:
        lena = shown_links(uow, couple_id)[0].partner_id
        issued = links.issue_room_link(uow, couple_id, lena, base)
    engine.dispose()
    return issued.url


def test_a_scanned_room_code_asks_first_then_opens_the_partners_own_page_once(server, browser):
    couple_id = seed(server.database_url)
    url = room_url(server.database_url, couple_id, server.url)

    phone = browser.new_context(**PHONE).new_page()
    phone.goto(url)
    wait_for_app(phone)
    phone.get_by_role("button", name="Yes, this is my own phone").wait_for(timeout=30_000)
    body = phone.locator("[data-testid=stApp]").inner_text()
    assert "Lena" not in body and "Ten minutes is plenty." not in body
    screenshot(phone, "room-link-asks-first")

    phone.get_by_role("button", name="Yes, this is my own phone").click()
    phone.get_by_role("heading", name="Hello, Lena").wait_for(timeout=30_000)
    wait_for_app(phone)
    assert "t=" in phone.url and "room=" not in phone.url
    screenshot(phone, "room-link-claimed")

    other = browser.new_context(**PHONE).new_page()
    other.goto(url)
    wait_for_app(other)
    other.get_by_text(NO_LONGER_WORKS).wait_for(timeout=30_000)
    assert other.get_by_role("button").count() == 0
    screenshot(other, "room-link-used")
