"""A partner's own side of their link on a phone: feedback on the last session, their own
progress (and nothing of the other partner's), and the whole page in Spanish."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import partial

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select, update

from tests.e2e.conftest import (
    PHONE,
    hold_still,
    screenshot,
    signed_in_on_a_desktop,
    wait_for_app,
    whole_page,
)
from trustcare import i18n
from trustcare.catalog import get_catalog
from trustcare.db import make_engine, make_session_factory, upgrade
from trustcare.identity import PartnerActor
from trustcare.models import CheckIn, Partner, SessionFeedback
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.services import accounts, assignments, checkins, couples, links

pytestmark = pytest.mark.e2e

MODULE = "open-communication"
# Lena's two check-ins, a fortnight's work apart: keyed totals 8 then 24 of 32 (a reliable
# improvement), overall trust 4 then 7. Marco's one check-in scores what Lena's never do.
LENA_FIRST = (8, 4)
LENA_LATEST = (24, 7)
MARCO_SCORES = (31, 9)
MARCO_REFLECTION = "Marco's private words: the lighthouse weekend was the first calm one."
SESSION_NOTES = "Counselor's private note: Marco spoke about the old phone."
LENA_REFLECTION = "We took turns listening; it felt slow."
SEND_FEEDBACK = "Send feedback"
FEEDBACK_THANKS = "Thank you. Your feedback on the session is saved."
SPANISH_TABS = ["Tus ejercicios", "Chequeo", "Tu opinión de la sesión", "Mi progreso"]
ENGLISH_TABS = ["Your exercises", "Check-in", "Session feedback", "My progress"]


@dataclass(frozen=True)
class Riveras:
    couple_id: int
    lena: int
    marco: int
    lena_url: str
    # The days of Lena's two check-ins (each at 18:00 UTC), and of the session.
    lena_days: tuple[dt.date, dt.date]
    held_on: dt.date


def answers(keyed_total: int, overall: int) -> dict[str, int | None]:
    """Trust-pulse answers whose eight items add up to `keyed_total` once reverse-keyed items
    are flipped; the practice question "most days", the safety question "no"."""
    measure = get_catalog().measure("trust-pulse")
    left = keyed_total
    given: dict[str, int | None] = {}
    for item_id in measure.total.items:
        value = min(4, left)
        left -= value
        given[item_id] = 4 - value if measure.item(item_id).reverse else value
    given[measure.overall_item] = overall
    given[measure.practice_item] = 2
    given[measure.safety_items[0]] = 0
    return given


def seed(database_url: str, base_url: str, lena_language: str = "en") -> Riveras:
    """Harbor Counseling (Ada Fictional) and couple Rivera: a module assigned to both; Lena did
    one exercise and checked in twice on the 14th and 24th of last month; Marco did every
    exercise and checked in once with a high score and a private reflection; session 1 was
    held today. Lena's personal link is issued."""
    engine = make_engine(database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    catalog = get_catalog()
    ada = accounts.create_practice(
        partial(unscoped_work, factory),
        "Harbor Counseling",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(factory, ada) as uow:
        couple_id = couples.create_couple(
            uow,
            "Rivera",
            [
                couples.PartnerInput("Lena", language=lena_language),
                couples.PartnerInput("Marco"),
            ],
        )
        assignment_id = assignments.assign_module(uow, catalog, couple_id, MODULE)
        held_on = dt.date.today()
        couples.log_session(uow, couple_id, held_on, SESSION_NOTES)
    with factory() as session:
        lena, marco = session.scalars(
            select(Partner.id).where(Partner.couple_id == couple_id).order_by(Partner.position)
        ).all()
    with CounselorWork(factory, ada) as uow:
        lena_url = links.issue_link(uow, couple_id, lena, base_url).url

    def partner(partner_id: int, name: str) -> PartnerActor:
        return PartnerActor(partner_id, couple_id, ada.practice_id, 0, name)

    exercises = catalog.module(MODULE).exercises
    with PartnerWork(factory, partner(lena, "Lena")) as uow:
        checkins.mark_exercise_done(
            uow, catalog, assignment_id, exercises[0].id, LENA_REFLECTION, False
        )
    for exercise in exercises:
        with PartnerWork(factory, partner(marco, "Marco")) as uow:
            checkins.mark_exercise_done(
                uow, catalog, assignment_id, exercise.id, "Marco's own exercise note.", True
            )
    last_month = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    lena_days = (last_month.replace(day=14), last_month.replace(day=24))
    for key, (total, overall), day in zip(
        ("lena-first", "lena-latest"), (LENA_FIRST, LENA_LATEST), lena_days, strict=True
    ):
        with PartnerWork(factory, partner(lena, "Lena")) as uow:
            checkins.submit_checkin(uow, catalog, answers(total, overall), "", False, True, key)
        with factory() as session:
            session.execute(
                update(CheckIn)
                .where(CheckIn.idempotency_key == key)
                .values(submitted_at=dt.datetime.combine(day, dt.time(18), dt.UTC))
            )
            session.commit()
    with PartnerWork(factory, partner(marco, "Marco")) as uow:
        checkins.submit_checkin(
            uow, catalog, answers(*MARCO_SCORES), MARCO_REFLECTION, True, True, "marco-only"
        )
    engine.dispose()
    return Riveras(couple_id, lena, marco, lena_url, lena_days, held_on)


def open_as_lena(browser, url: str, yes: str = "Yes, I am Lena"):
    """Lena's link on a phone, confirmed as hers; the page once the script has settled."""
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(url)
    wait_for_app(phone)
    phone.get_by_role("button", name=yes).click()
    wait_for_app(phone)
    phone.get_by_role("tab").first.wait_for(timeout=30_000)
    return phone


def tab_names(page) -> list[str]:
    return [name.strip() for name in page.get_by_role("tab").all_inner_texts()]


def tabs_out_of_sight(page) -> list[str]:
    """Tabs that stick out of the tab strip (behind its scroll arrow) on this screen."""
    strip = page.get_by_role("tablist").first.bounding_box()
    return [
        tab.inner_text().strip()
        for tab in page.get_by_role("tab").all()
        if (box := tab.bounding_box())["x"] + box["width"] > strip["x"] + strip["width"] + 0.5
    ]


def choose(page, question: str, answer: str) -> None:
    page.get_by_role("radiogroup", name=question).get_by_text(answer, exact=True).click()


def open_tab(page, name: str):
    """Open one of the page's tabs and return its panel."""
    page.get_by_role("tab", name=name).click()
    wait_for_app(page)
    panel = page.get_by_role("tabpanel", name=name)
    panel.wait_for(timeout=30_000)
    return panel


def no_sideways_scrolling(page) -> None:
    """Neither the document nor Streamlit's scrolling main section is wider than the window."""
    width = page.evaluate("window.innerWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    main = page.locator("[data-testid=stMain]")
    assert main.evaluate("main => main.scrollWidth <= main.clientWidth"), main.evaluate(
        "main => [main.scrollWidth, main.clientWidth]"
    )


def stored_feedback(database_url: str, partner_id: int) -> int:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            return session.scalar(
                select(func.count())
                .select_from(SessionFeedback)
                .where(SessionFeedback.partner_id == partner_id)
            )
    finally:
        engine.dispose()


def test_a_partner_answers_feedback_on_the_last_session_on_a_phone(server, browser):
    riveras = seed(server.database_url, server.url)
    phone = open_as_lena(browser, riveras.lena_url)
    assert tab_names(phone) == ENGLISH_TABS
    assert tabs_out_of_sight(phone) == []

    panel = open_tab(phone, "Session feedback")
    held_on = i18n.day(riveras.held_on, "en")
    expect(panel.get_by_role("heading", name=f"Your session on {held_on}")).to_be_visible(
        timeout=30_000
    )
    expect(panel.get_by_text("your partner does not")).to_be_visible()
    measure = get_catalog().measure("session-feedback")
    for item, answer in zip(measure.items, ("8", "7", "9", "8"), strict=True):
        choose(panel, item.text, answer)
    panel.get_by_label(re.compile("Anything else about this session")).fill(
        "The listening loop helped; less homework next time, please."
    )
    send = panel.get_by_role("button", name=SEND_FEEDBACK)
    hold_still(send)
    whole_page(phone, "partners-side-session-feedback")

    # A double tap: two presses in quick succession; only one row may be stored.
    send.dblclick()
    wait_for_app(phone)
    expect(phone.get_by_text(FEEDBACK_THANKS)).to_be_visible(timeout=30_000)
    wait_for_app(phone)
    # Answered in the tab, where the form was; the form is gone.
    expect(phone.get_by_text(FEEDBACK_THANKS)).to_be_in_viewport()
    expect(phone.get_by_role("tab", name="Session feedback")).to_have_attribute(
        "aria-selected", "true"
    )
    expect(phone.get_by_role("button", name=SEND_FEEDBACK)).to_have_count(0)
    whole_page(phone, "partners-side-session-feedback-sent")
    assert stored_feedback(server.database_url, riveras.lena) == 1
    assert stored_feedback(server.database_url, riveras.marco) == 0

    phone.reload()
    wait_for_app(phone)
    phone.get_by_role("button", name="Yes, I am Lena").click()
    wait_for_app(phone)
    phone.get_by_role("tab").first.wait_for(timeout=30_000)
    assert "Session feedback" not in tab_names(phone)
    assert stored_feedback(server.database_url, riveras.lena) == 1


def test_a_partner_reads_their_own_progress_on_a_phone(server, browser):
    riveras = seed(server.database_url, server.url)
    phone = open_as_lena(browser, riveras.lena_url)
    panel = open_tab(phone, "My progress")

    expect(panel.get_by_role("heading", name="How things have changed")).to_be_visible(
        timeout=30_000
    )
    expect(
        panel.get_by_text("Your trust score has gone up since your first check-in")
    ).to_be_visible()
    metric = panel.locator("[data-testid=stMetric]")
    expect(metric).to_contain_text("Your latest trust score")
    expect(metric).to_contain_text(f"{LENA_LATEST[0]} of 32")
    chart = panel.locator("[data-testid=stPlotlyChart] .js-plotly-plot").first
    chart.wait_for(timeout=30_000)
    chart.locator("g.cartesianlayer g.scatterlayer g.trace path").first.wait_for(
        state="attached", timeout=30_000
    )
    drawn = chart.evaluate("plot => plot.data.map(trace => trace.y)")
    assert sorted(sorted(values) for values in drawn) == sorted(
        [[LENA_FIRST[0], LENA_LATEST[0]], [LENA_FIRST[1], LENA_LATEST[1]]]
    )
    module_title = get_catalog().module(MODULE).title
    expect(panel.get_by_text(f"{module_title}: 1 of 3 exercises done")).to_be_visible()

    panel.get_by_text("Your check-ins as a table").click()
    table = panel.locator("[data-testid=stTable]")
    expect(table).to_be_visible(timeout=30_000)
    # Lena's two check-ins only, every cell on screen (a plain table wraps on a phone).
    first, latest = riveras.lena_days
    expect(table.locator("tbody tr")).to_have_count(2)
    for cell in (
        "Date",
        "Trust score",
        "Overall trust",
        i18n.short_day(first, "en"),
        i18n.short_day(latest, "en"),
        *(str(value) for value in (*LENA_FIRST, *LENA_LATEST)),
    ):
        expect(table).to_contain_text(cell)
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    whole_page(phone, "partners-side-my-progress")

    # Nothing of Marco anywhere on the page, in any tab, hidden or not: his name, his
    # reflection, his exercise note, the counselor's notes, his scores.
    everything = phone.locator("[data-testid=stApp]").text_content()
    for secret in (
        "Marco",
        MARCO_REFLECTION,
        "lighthouse",
        "Marco's own exercise note.",
        SESSION_NOTES,
        "Rivera",
    ):
        assert secret not in everything, secret
    shown = panel.inner_text()
    # Lena's dates are the 14th and 24th, so 31 is no day and no tick of the 0-32 axis.
    assert not re.search(rf"\b{MARCO_SCORES[0]}\b", shown), shown


def test_a_spanish_speaking_partner_reads_her_page_in_spanish(server, browser):
    riveras = seed(server.database_url, server.url, lena_language="es")
    phone = browser.new_context(**PHONE).new_page()
    phone.goto(riveras.lena_url)
    wait_for_app(phone)
    phone.get_by_role("heading", name="Hola, Lena").wait_for(timeout=30_000)
    expect(phone.get_by_role("button", name="Sí, soy Lena")).to_be_visible()
    assert phone.evaluate("document.documentElement.lang") == "es"
    phone.get_by_role("button", name="Sí, soy Lena").click()
    wait_for_app(phone)
    phone.get_by_role("tab").first.wait_for(timeout=30_000)

    assert tab_names(phone) == SPANISH_TABS
    assert phone.evaluate("document.documentElement.lang") == "es"
    spanish = get_catalog().module(MODULE).in_language("es")
    assert spanish.title != get_catalog().module(MODULE).title
    expect(phone.get_by_role("heading", name=spanish.title)).to_be_visible()
    expect(phone.get_by_text(spanish.exercises[1].title).first).to_be_visible()
    visible = phone.locator("[data-testid=stApp]").inner_text()
    for english in ("Your exercises", "About this module", "At home", "In session", "Language"):
        assert english not in visible, english
    whole_page(phone, "partners-side-spanish")

    feedback = get_catalog().measure("session-feedback").in_language("es")
    panel = open_tab(phone, "Tu opinión de la sesión")
    expect(panel.get_by_role("radiogroup", name=feedback.item("overall").text)).to_be_visible()
    expect(panel.get_by_role("button", name="Enviar opinión")).to_be_visible()
    panel = open_tab(phone, "Mi progreso")
    expect(panel.get_by_role("heading", name="Cómo han cambiado las cosas")).to_be_visible(
        timeout=30_000
    )
    expect(panel.locator("[data-testid=stMetric]")).to_contain_text(f"{LENA_LATEST[0]} de 32")
    panel.get_by_text("Tus chequeos en una tabla").click()
    table = panel.locator("[data-testid=stTable]")
    expect(table).to_be_visible(timeout=30_000)
    for cell in ("Fecha", "Puntaje de confianza", "Confianza en general"):
        expect(table).to_contain_text(cell)
    expect(table).to_contain_text(i18n.short_day(riveras.lena_days[0], "es"))
    # Every column on a 375 px screen in Spanish, with no sideways swipe (it was cut off).
    assert table.evaluate("t => t.scrollWidth <= t.clientWidth + 1")
    whole_page(phone, "partners-side-spanish-my-progress")
    open_tab(phone, "Tus ejercicios")

    phone.get_by_role("combobox", name="Idioma").click()
    phone.get_by_role("option", name="English").click()
    wait_for_app(phone)
    phone.get_by_role("heading", name="Hello, Lena").wait_for(timeout=30_000)
    wait_for_app(phone)
    assert tab_names(phone) == ENGLISH_TABS
    assert phone.evaluate("document.documentElement.lang") == "en"
    expect(phone.get_by_role("heading", name=get_catalog().module(MODULE).title)).to_be_visible()
    screenshot(phone, "partners-side-spanish-switched-to-english")


def test_the_spanish_page_at_200_percent_text_on_a_phone(server, browser):
    riveras = seed(server.database_url, server.url, lena_language="es")
    phone = open_as_lena(browser, riveras.lena_url, yes="Sí, soy Lena")
    open_tab(phone, "Chequeo")
    expect(phone.get_by_role("button", name="Enviar chequeo")).to_be_visible(timeout=30_000)
    phone.add_style_tag(content="html { font-size: 200% !important; }")
    phone.wait_for_timeout(500)
    no_sideways_scrolling(phone)
    assert tabs_out_of_sight(phone) == []
    whole_page(phone, "partners-side-spanish-200-percent")
    no_sideways_scrolling(phone)
    assert phone.evaluate("document.documentElement.lang") == "es"


def test_the_counselor_enters_marcos_feedback_in_the_room_and_sees_both_side_by_side(
    server, browser
):
    riveras = seed(server.database_url, server.url)
    phone = open_as_lena(browser, riveras.lena_url)
    panel = open_tab(phone, "Session feedback")
    measure = get_catalog().measure("session-feedback")
    for item, answer in zip(measure.items, ("9", "9", "8", "9"), strict=True):
        choose(panel, item.text, answer)
    panel.get_by_role("button", name=SEND_FEEDBACK).click()
    expect(phone.get_by_text(FEEDBACK_THANKS)).to_be_visible(timeout=30_000)

    # Marco has no phone with him: the counselor turns the screen to him.
    page = signed_in_on_a_desktop(browser, server.url)
    page.goto(f"{server.url}/couple?couple={riveras.couple_id}&tab=Session+feedback")
    wait_for_app(page)
    page.get_by_role("heading", name="Rivera").wait_for(timeout=30_000)
    who = page.get_by_role("combobox", name="Enter for")
    hold_still(who)
    who.click()
    who.press_sequentially("Marco")
    who.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Start").click()
    wait_for_app(page)
    page.get_by_role("heading", name="In-room entry for Marco").wait_for(timeout=30_000)
    page.get_by_role("button", name="Turn the screen to the partner").click()
    wait_for_app(page)
    screen = page.locator("[data-testid=stApp]")
    expect(page.get_by_role("button", name=SEND_FEEDBACK)).to_be_visible(timeout=30_000)
    # What faces Marco: his own form only, no menu, nothing of Lena's, no notes.
    expect(page.locator("[data-testid=stSidebar]")).to_have_count(0)
    shown = screen.text_content()
    for private in ("Lena", SESSION_NOTES, "Caseload", "Sign out"):
        assert private not in shown, private
    for item, answer in zip(measure.items, ("5", "6", "4", "5"), strict=True):
        choose(page, item.text, answer)
    whole_page(page, "partners-side-in-room-feedback")
    page.get_by_role("button", name=SEND_FEEDBACK).click()
    wait_for_app(page)
    page.get_by_role("heading", name="Thank you, Marco").wait_for(timeout=30_000)
    page.get_by_role("button", name="Counselor: back to the couple record").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Rivera").wait_for(timeout=30_000)

    page.goto(f"{server.url}/couple?couple={riveras.couple_id}&tab=Session+feedback")
    wait_for_app(page)
    table = page.locator("[data-testid=stDataFrame]")
    expect(table.locator("canvas").first).to_be_visible(timeout=30_000)
    hold_still(table)
    expect(table).to_contain_text("35 of 40", timeout=30_000)
    expect(table).to_contain_text("20 of 40")
    expect(table).to_contain_text("entered by the counselor in session")
    whole_page(page, "partners-side-counselor-side-by-side")
    # The alerts of a split and of feedback under the cut-off are on the agenda.
    page.goto(f"{server.url}/couple?couple={riveras.couple_id}&tab=Agenda")
    wait_for_app(page)
    expect(page.get_by_text("Marco's feedback on session 1 was 20 of 40").first).to_be_visible(
        timeout=30_000
    )
    expect(page.get_by_text("Lena and Marco saw session 1 differently").first).to_be_visible()
    assert stored_feedback(server.database_url, riveras.marco) == 1
