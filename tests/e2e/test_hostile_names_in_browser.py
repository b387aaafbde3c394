"""Hostile names in a real browser: shown as typed, never a link, a picture or a request.

A partner named `![x](/session/end)` once made the progress page fetch /session/end, which
signed the counselor out. Each page is opened for a couple with hostile names and for a couple
with plain ones: the hostile one may have no more links or pictures than the plain one.
"""

from __future__ import annotations

from functools import partial

import pytest

from tests.answers import SAFETY_YES
from tests.couple_parts import shown_links
from tests.e2e.conftest import screenshot, wait_for_app
from trustcare.catalog import get_catalog
from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.identity import PartnerActor
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.services import accounts, assignments, checkins, couples, links

IMAGE = "![x](/session/end)"
LINK = "[click](https://example.org)"
ADDRESSES = "https://example.org www.example.org"
DASHES = "a -- b"
DIRECTIVES = ":red[x] $x^2$ :smile: <b>x</b>"
EMAIL, PASSWORD = "ada@harbor.example", "long password 1"
# Links and pictures in the page body, less the anchors Streamlit gives every heading.
LINKS = "[data-testid=stMain] a[href]:not([aria-label='Link to heading'])"
PICTURES = "[data-testid=stMain] img"


def _couple(factory, admin, label: str, first: str, second: str) -> tuple[int, str]:
    """A couple with a module for both and a safety answer; its id and the first's token."""
    catalog = get_catalog()
    with CounselorWork(factory, admin) as uow:
        couple_id = couples.create_couple(
            uow, label, [couples.PartnerInput(first), couples.PartnerInput(second)]
        )
        assignments.assign_module(uow, catalog, couple_id, "open-communication")
        first_id = shown_links(uow, couple_id)[0].partner_id
        issued = links.issue_link(uow, couple_id, first_id, "http://testserver")
    partner = PartnerActor(first_id, couple_id, admin.practice_id, 0, first)
    with PartnerWork(factory, partner) as uow:
        checkins.submit_checkin(uow, catalog, SAFETY_YES, "", False, True, f"c{couple_id}")
    return couple_id, issued.url.split("t=", 1)[1]


@pytest.fixture
def hostile_server(server):
    """Practice, counselor, couple and partners all named with hostile strings; a plain couple."""
    engine = make_engine(server.database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    admin = accounts.create_practice(
        partial(unscoped_work, factory), DIRECTIVES, DASHES, EMAIL, PASSWORD
    )
    server.hostile = _couple(factory, admin, ADDRESSES, IMAGE, LINK)
    server.plain = _couple(factory, admin, "Rivera", "Lena", "Marco")
    engine.dispose()
    return server


def _open(page, url: str, heading: str) -> tuple[int, int]:
    page.goto(url)
    wait_for_app(page)
    page.get_by_role("heading").filter(has_text=heading).first.wait_for(timeout=30_000)
    page.wait_for_timeout(800)
    return page.locator(LINKS).count(), page.locator(PICTURES).count()


def _texts(page, selector: str) -> list[str]:
    return [" ".join(text.split()) for text in page.locator(selector).all_inner_texts()]


def test_hostile_names_show_as_typed_and_fetch_nothing(hostile_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    base = hostile_server.url
    (hostile, token), (plain, plain_token) = hostile_server.hostile, hostile_server.plain

    page.goto(base)
    wait_for_app(page)
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Caseload").wait_for(timeout=30_000)
    wait_for_app(page)
    signed_in = [url for url in requested if "/session/end" in url]

    expected = _open(page, f"{base}/progress?couple={plain}", "Progress")
    assert _open(page, f"{base}/progress?couple={hostile}", "Progress") == expected
    assert f"Progress: {IMAGE} & {LINK}" in _texts(page, "[data-testid=stMain] h1")
    alerts = _texts(page, "[data-testid=stMain] [data-testid=stAlert]")
    assert any(alert.startswith(f"{IMAGE} answered yes") for alert in alerts), alerts
    sidebar = page.locator("[data-testid=stSidebar]").inner_text().splitlines()
    assert DIRECTIVES in sidebar and f"Signed in as {DASHES}" in sidebar, sidebar
    assert page.locator("[data-testid=stSidebar] img, [data-testid=stSidebar] .katex").count() == 0
    screenshot(page, "hostile-names-progress")

    for tab in ("Agenda", "Check-ins", "Links"):
        expected = _open(page, f"{base}/couple?couple={plain}&tab={tab}", "Rivera")
        assert _open(page, f"{base}/couple?couple={hostile}&tab={tab}", "example") == expected
        assert ADDRESSES in _texts(page, "[data-testid=stMain] h1")
        headings = _texts(page, "[data-testid=stMain] h3")
        assert IMAGE in headings or f"{IMAGE}: 1 check-in(s)" in headings, headings
        assert LINK in headings or f"{LINK}: 0 check-in(s)" in headings, headings
        screenshot(page, f"hostile-names-couple-{tab.lower()}")

    client = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    client.on("request", lambda request: requested.append(request.url))
    expected = _open(client, f"{base}/checkin?t={plain_token}", "Hello")
    assert _open(client, f"{base}/checkin?t={token}", "Hello") == expected
    assert f"Hello, {IMAGE}" in _texts(client, "h1")
    assert f"Yes, I am {IMAGE}" in _texts(client, "[data-testid=stMain] button")
    asked = f"This page belongs to {IMAGE}. Phones get shared, so please check: are you {IMAGE}?"
    assert asked in _texts(client, "[data-testid=stMain] [data-testid=stMarkdownContainer]")
    screenshot(client, "hostile-names-client")

    assert signed_in == []
    fetched = [url for url in requested if "/session/end" in url or "example.org" in url]
    assert fetched == []
    client.context.close()
    context.close()
