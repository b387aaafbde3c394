"""WCAG 2.2 AA as far as a machine can tell: axe-core (shipped by axe-playwright-python) run in
Chromium on every page of the demo practice, the client's above all, at desktop and phone size.

A page passes with no serious or critical violation and an `<html lang>` that names its
language: English, or Spanish on a Spanish-speaking partner's own page. Each size is one test
that visits every page and reports every page's findings at once, so one run shows the whole
state.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import partial

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import PHONE, screenshot, sign_in_to_demo, start_server, wait_for_app
from trustcare.catalog import get_catalog
from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.models import Couple, Partner
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, couples, demo, links

SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": PHONE,
}
SERIOUS = ("serious", "critical")
COUPLE_TABS = ("Agenda", "Check-ins", "Assignments", "Links", "Sessions", "Details and status")
AXE = Axe()
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: the rules axe tags with them.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"],
    },
}


def _findings(page, language: str = "en") -> list[str]:
    """Serious and critical violations on the page as it stands, one line per rule, and a
    line when `<html lang>` does not say the page's `language` (English unless told)."""
    wait_for_app(page)
    # The page at rest: a pointer left over a table would open Streamlit's hover toolbar.
    page.mouse.move(0, 0)
    page.wait_for_timeout(500)
    result = AXE.run(page, options=AXE_OPTIONS).response
    lines = [
        f"{v['impact']} {v['id']} ({len(v['nodes'])}x): {v['help']}: "
        f"{v['nodes'][0]['target']} {v['nodes'][0].get('failureSummary', '')[:160]!r}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
    lang = page.evaluate("document.documentElement.lang")
    if lang != language:
        lines.append(f"html lang is {lang!r}, not {language!r}")
    return lines


@pytest.fixture
def demo_with_a_link(server):
    """The demo practice, and a personal link for one partner of the admin's couples."""
    engine = make_engine(server.database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    demo.seed_demo(partial(unscoped_work, factory))
    login = demo.DEMO_LOGINS[0]
    admin = accounts.authenticate(partial(unscoped_work, factory), login.email, login.password)
    with factory() as session:
        couple_id, partner_id = session.execute(
            select(Couple.id, Partner.id)
            .join(Partner, Partner.couple_id == Couple.id)
            .where(Couple.counselor_id == admin.counselor_id, Couple.status == "active")
            .order_by(Couple.id, Partner.position)
            .limit(1)
        ).one()
    with CounselorWork(factory, admin) as uow:
        issued = links.issue_link(uow, couple_id, partner_id, server.url)
    engine.dispose()
    return server, couple_id, issued.url


@pytest.fixture
def spanish_link(demo_with_a_link):
    """The other partner of the same couple reads Spanish and has a link; a session held today
    gives both partners the session feedback tab."""
    server, couple_id, _link = demo_with_a_link
    engine = make_engine(server.database_url)
    factory = make_session_factory(engine)
    login = demo.DEMO_LOGINS[0]
    admin = accounts.authenticate(partial(unscoped_work, factory), login.email, login.password)
    with CounselorWork(factory, admin) as uow:
        couple = uow.couples.get(couple_id)
        partners = couples.partner_views(uow, couple)
        couples.update_couple(
            uow,
            couple_id,
            couple.label,
            [
                couples.PartnerInput(p.display_name, p.contact, "es" if p.position == 2 else "en")
                for p in partners
            ],
        )
        couples.log_session(uow, couple_id, dt.date.today(), "Fictional notes.")
        issued = links.issue_link(uow, couple_id, partners[1].id, server.url)
    engine.dispose()
    return issued.url


def _choose(page, question: str, answer: str) -> None:
    page.get_by_role("radiogroup", name=question).get_by_text(answer, exact=True).click()


def _check_in_with_a_safety_yes(phone) -> None:
    """Answer every question (the safety one "Yes") and send."""
    measure = get_catalog().measure("trust-pulse")
    for item in measure.items:
        if item.id in measure.total.items:
            _choose(phone, item.text, "Somewhat true")
    _choose(phone, measure.item(measure.overall_item).text, "5")
    _choose(phone, measure.item(measure.practice_item).text, "Once or twice")
    _choose(phone, measure.item(measure.safety_items[0]).text, "Yes")
    consent = "May your counselor show your scores to both of you in joint sessions?"
    if phone.get_by_role("radiogroup", name=consent).count():
        _choose(phone, consent, "No, keep my scores between me and my counselor")
    phone.get_by_role("button", name="Send check-in").click()


@pytest.mark.parametrize("size", SIZES)
def test_every_page_has_no_serious_or_critical_violation(
    demo_with_a_link, spanish_link, browser, size, tmp_path
):
    server, couple_id, link = demo_with_a_link
    found: dict[str, list[str]] = {}

    (tmp_path / "fresh").mkdir()
    fresh, fresh_process = start_server(tmp_path / "fresh")
    try:
        setup = browser.new_context(**SIZES[size]).new_page()
        setup.goto(fresh.url)
        setup.get_by_role("heading", name="Welcome to TrustCare").wait_for(timeout=30_000)
        found["setup"] = _findings(setup)
        setup.context.close()
    finally:
        fresh_process.terminate()
        fresh_process.wait(timeout=10)

    counselor = browser.new_context(**SIZES[size])
    page = counselor.new_page()
    page.goto(server.url)
    wait_for_app(page)
    found["sign-in"] = _findings(page)
    sign_in_to_demo(page, server.url)
    found["caseload"] = _findings(page)
    for tab in COUPLE_TABS:
        page.goto(f"{server.url}/couple?couple={couple_id}&tab={tab.replace(' ', '+')}")
        page.get_by_role("tab", name=tab, selected=True).wait_for(timeout=30_000)
        found[f"couple record: {tab}"] = _findings(page)
    for name, address in (
        ("progress", f"progress?couple={couple_id}"),
        ("library", "library"),
        ("your account", "account"),
        ("counselors", "counselors"),
        ("couples and hand-over", "handover"),
        ("practice settings", "practice_settings"),
        ("audit trail", "audit_trail"),
        ("session mode", f"session?couple={couple_id}"),
    ):
        page.goto(f"{server.url}/{address}")
        found[name] = _findings(page)
    counselor.close()

    phone = browser.new_context(**SIZES[size]).new_page()
    phone.goto(link)
    wait_for_app(phone)
    found["client: whose page"] = _findings(phone)
    phone.get_by_role("button", name="Yes, I am").click()
    wait_for_app(phone)
    found["client: exercises"] = _findings(phone)
    phone.get_by_role("tab", name="Check-in").click()
    found["client: check-in"] = _findings(phone)
    phone.get_by_role("button", name="Send check-in").click()
    refused = re.compile("Nothing was sent|Please check")
    expect(phone.get_by_text(refused).first).to_be_visible(timeout=30_000)
    found["client: refused check-in"] = _findings(phone)
    screenshot(phone, f"accessibility-client-refused-{size}")
    _check_in_with_a_safety_yes(phone)
    expect(phone.get_by_text("Here is where to get help now").first).to_be_visible(timeout=30_000)
    found["client: safety message"] = _findings(phone)
    screenshot(phone, f"accessibility-client-safety-{size}")
    phone.get_by_role("tab", name="Session feedback").click()
    expect(phone.get_by_role("button", name="Send feedback")).to_be_visible(timeout=30_000)
    found["client: session feedback"] = _findings(phone)
    phone.get_by_role("tab", name="My progress").click()
    expect(phone.get_by_role("heading", name="What you have done")).to_be_visible(timeout=30_000)
    phone.get_by_text("Your check-ins as a table").click()
    expect(phone.locator("[data-testid=stTable]").first).to_be_visible(timeout=30_000)
    found["client: my progress"] = _findings(phone)
    screenshot(phone, f"accessibility-client-my-progress-{size}")

    spanish = browser.new_context(**SIZES[size]).new_page()
    spanish.goto(spanish_link)
    wait_for_app(spanish)
    found["Spanish client: whose page"] = _findings(spanish, "es")
    spanish.get_by_role("button", name="Sí, soy").click()
    wait_for_app(spanish)
    spanish.get_by_role("tab", name="Tus ejercicios").wait_for(timeout=30_000)
    found["Spanish client: exercises"] = _findings(spanish, "es")
    for tab, ready in (
        ("Chequeo", spanish.get_by_role("button", name="Enviar chequeo")),
        ("Tu opinión de la sesión", spanish.get_by_role("button", name="Enviar opinión")),
        ("Mi progreso", spanish.get_by_role("heading", name="Lo que has hecho")),
    ):
        spanish.get_by_role("tab", name=tab).click()
        expect(ready).to_be_visible(timeout=30_000)
        if tab == "Mi progreso":
            spanish.get_by_text("Tus chequeos en una tabla").click()
            table = spanish.locator("[data-testid=stTable]").first
            expect(table).to_be_visible(timeout=30_000)
        found[f"Spanish client: {tab}"] = _findings(spanish, "es")
    screenshot(spanish, f"accessibility-spanish-client-my-progress-{size}")

    failing = {page_name: lines for page_name, lines in found.items() if lines}
    report = "\n".join(
        f"{page_name}:\n  " + "\n  ".join(lines) for page_name, lines in failing.items()
    )
    assert not failing, f"{sum(map(len, failing.values()))} findings at {size}:\n{report}"


def test_the_client_page_works_by_keyboard_alone_and_reflows_at_200_percent_text(
    demo_with_a_link, browser
):
    """WCAG 2.1.1 (keyboard) and 1.4.4/1.4.10 (text resized to 200 %, no sideways scrolling):
    a partner confirms it is their page and opens the check-in with the keyboard only, on a
    phone-size screen whose text is twice the size."""
    _server, _couple_id, link = demo_with_a_link
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(link)
    wait_for_app(phone)
    phone.add_style_tag(content="html { font-size: 200% !important; }")
    phone.wait_for_timeout(500)
    screenshot(phone, "accessibility-client-200-percent")
    width = phone.evaluate("window.innerWidth")
    assert phone.evaluate("document.documentElement.scrollWidth") <= width

    confirm = phone.get_by_role("button", name="Yes, I am")
    for _ in range(30):
        phone.keyboard.press("Tab")
        if confirm.evaluate("button => button === document.activeElement"):
            break
    else:
        raise AssertionError("the confirm button cannot be reached with Tab")
    phone.keyboard.press("Enter")
    wait_for_app(phone)
    phone.add_style_tag(content="html { font-size: 200% !important; }")
    checkin_tab = phone.get_by_role("tab", name="Check-in")
    checkin_tab.wait_for(timeout=30_000)
    # The tab list is one stop for Tab (the open tab); the arrow keys move between tabs.
    on_a_tab = "() => document.activeElement?.getAttribute('role') === 'tab'"
    for _ in range(60):
        phone.keyboard.press("Tab")
        if phone.evaluate(on_a_tab):
            break
    else:
        raise AssertionError("the tabs cannot be reached with Tab")
    phone.keyboard.press("ArrowRight")
    assert checkin_tab.evaluate("tab => tab === document.activeElement")
    phone.keyboard.press("Enter")
    wait_for_app(phone)
    expect(phone.get_by_role("button", name="Send check-in")).to_be_visible(timeout=30_000)
    first_question = phone.get_by_role("radiogroup").first
    first_question.get_by_role("radio").first.focus()
    phone.keyboard.press("Space")
    expect(first_question.get_by_role("radio").first).to_be_checked()
    phone.wait_for_timeout(300)
    screenshot(phone, "accessibility-client-keyboard-check-in")
    assert phone.evaluate("document.documentElement.scrollWidth") <= width
