"""The partners' side through the real app: a partner's own progress shows nothing of the other
partner, session feedback goes from the partner's link to the counselor's pages (never to the
shared screen), in-room entry faces one partner only, and partners' languages are kept."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import func, select

from tests.app.conftest import signed_in_app
from tests.app.test_client_page import client_app, confirm, fill_checkin, send
from tests.app.test_counselor_pages import caseload_with_the_add_form_open, open_couple
from tests.app.test_session_mode import SESSION_TABS, open_progress, open_session_mode
from tests.app.test_spanish_client_page import english_on_page, shown_texts
from tests.couple_parts import shown_alerts, shown_links
from trustcare import i18n
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.models import CheckIn, CounselingSession, Couple, Partner, SessionFeedback
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.services import accounts, assignments, checkins, couples, links

MODULE = "open-communication"
MARCO_REFLECTION = "Marco's private note about the boat"
SESSION_NOTE = "Private: discussed the move"
LENA_COMMENT = "Lena's feedback: the pace felt rushed today"
# Keyed totals (of 32) and overall ratings (of 10): Marco's never match Lena's.
LENA_FIRST, LENA_LATEST = (24, 7), (16, 5)
MARCO_SCORES = (31, 9)
NOT_FOUND = "That partner was not found in your caseload."


def answers(keyed_total: int, overall: int, safety: int = 0) -> dict[str, int | None]:
    """Trust-pulse answers whose eight items add up to `keyed_total` once reverse-keyed items
    are flipped; the practice question "most days"."""
    measure = get_catalog().measure("trust-pulse")
    left = keyed_total
    given: dict[str, int | None] = {}
    for item_id in measure.total.items:
        value = min(4, left)
        left -= value
        given[item_id] = 4 - value if measure.item(item_id).reverse else value
    given[measure.overall_item] = overall
    given[measure.practice_item] = 2
    given[measure.safety_items[0]] = safety
    return given


@dataclass(frozen=True)
class Harbor:
    factory: object
    ada: object
    ben: object
    couple_id: int
    lena: int
    marco: int
    lena_token: str

    def partner(self, partner_id: int, name: str) -> PartnerActor:
        return PartnerActor(partner_id, self.couple_id, self.ada.practice_id, 0, name)


def make_harbor(factory, lena_language: str = "en") -> Harbor:
    """Harbor: admin Ada with couple Rivera (Lena, Marco; a module assigned to both; Lena's
    link issued) and a second counselor, Ben, with no couples of his own."""
    ada = accounts.create_practice(
        partial(unscoped_work, factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(factory, ada) as uow:
        accounts.add_counselor(uow, "Ben Imaginary", "ben@harbor.example", "long password 2")
        couple_id = couples.create_couple(
            uow,
            "Rivera",
            [
                couples.PartnerInput("Lena", language=lena_language),
                couples.PartnerInput("Marco"),
            ],
        )
        assignments.assign_module(uow, get_catalog(), couple_id, MODULE)
        lena, marco = (state.partner_id for state in shown_links(uow, couple_id))
        issued = links.issue_link(uow, couple_id, lena, "http://testserver")
    ben = accounts.authenticate(
        partial(unscoped_work, factory), "ben@harbor.example", "long password 2"
    )
    token = issued.url.split("t=", 1)[1]
    return Harbor(factory, ada, ben, couple_id, lena, marco, token)


@pytest.fixture
def harbor(app_factory) -> Harbor:
    """Rivera with nothing done yet; Lena reads English."""
    return make_harbor(app_factory)


@pytest.fixture
def lived_in(harbor) -> Harbor:
    """Rivera a month in: Lena checked in twice (24, then 16 of 32) and did one exercise;
    Marco did every exercise, checked in once (31 of 32, overall 9) sharing his scores and
    a reflection, and answered "yes" to the safety question; session 1, with a private note,
    was held today."""
    catalog = get_catalog()
    lena, marco = harbor.partner(harbor.lena, "Lena"), harbor.partner(harbor.marco, "Marco")
    for key, (total, overall) in (("l1", LENA_FIRST), ("l2", LENA_LATEST)):
        with PartnerWork(harbor.factory, lena) as uow:
            checkins.submit_checkin(uow, catalog, answers(total, overall), "", False, False, key)
    with PartnerWork(harbor.factory, marco) as uow:
        checkins.submit_checkin(
            uow, catalog, answers(*MARCO_SCORES, safety=1), MARCO_REFLECTION, True, True, "m1"
        )
    module = catalog.module(MODULE)
    with PartnerWork(harbor.factory, lena) as uow:
        [assignment] = checkins.client_page(uow, catalog).assignments
        checkins.mark_exercise_done(uow, catalog, assignment.id, module.exercises[0].id, "", False)
    with PartnerWork(harbor.factory, marco) as uow:
        for exercise in module.exercises:
            checkins.mark_exercise_done(
                uow, catalog, assignment.id, exercise.id, "Marco's exercise note", True
            )
    with harbor.factory() as session:
        rows = session.scalars(
            select(CheckIn).where(CheckIn.partner_id == harbor.lena).order_by(CheckIn.id)
        ).all()
        for days, row in zip((20, 6), rows, strict=True):
            row.submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        session.commit()
    with CounselorWork(harbor.factory, harbor.ada) as uow:
        couples.log_session(uow, harbor.couple_id, dt.date.today(), SESSION_NOTE)
    return harbor


def numbers_shown(at) -> list[float]:
    """Every number a metric, a table cell or a chart point shows."""
    found: list[float] = []
    for metric in at.metric:
        found.extend(float(n) for n in re.findall(r"\d+(?:[.,]\d+)?", metric.value))
    for table in [*at.dataframe, *at.table]:
        for column in table.value.columns:
            for cell in table.value[column]:
                if isinstance(cell, int | float):
                    found.append(float(cell))
                elif isinstance(cell, str):
                    found.extend(
                        float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", cell)
                    )
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            found.extend(float(y) for y in trace.get("y", []) if isinstance(y, int | float))
    return found


def stored(factory, model) -> list:
    with factory() as session:
        rows = session.scalars(select(model).order_by(model.id)).all()
        session.expunge_all()
        return list(rows)


# --- My progress: nothing of the other partner ----------------------------------------------


def test_lenas_page_shows_her_own_progress_and_nothing_of_marco_or_the_counselor(lived_in):
    with CounselorWork(lived_in.factory, lived_in.ada) as uow:
        alerts = [alert.message for alert in shown_alerts(uow, lived_in.couple_id)]
    assert any("Marco" in message for message in alerts)  # his safety answer raised one
    at = confirm(client_app(lived_in.lena_token))
    assert not at.exception
    assert [tab.label for tab in at.tabs] == [
        "Your exercises",
        "Check-in",
        "Session feedback",
        "My progress",
    ]
    texts = [shown.text for shown in shown_texts(at)]
    page = "\n".join(texts)
    for secret in ["Marco", MARCO_REFLECTION, "Marco's exercise note", SESSION_NOTE, *alerts]:
        assert secret not in page, secret
    assert "safety" not in page.lower()
    # Her own latest total, and only her own numbers.
    assert "16 of 32" in [metric.value for metric in at.metric]
    numbers = numbers_shown(at)
    assert {16.0, 24.0} <= set(numbers)
    assert float(MARCO_SCORES[0]) not in numbers and float(MARCO_SCORES[1]) not in numbers
    assert "**Open and honest communication**: 1 of 3 exercises done" in texts
    assert "3 of 3" not in page


def test_my_progress_is_gone_when_the_counselor_switches_it_off(harbor):
    at = confirm(client_app(harbor.lena_token))
    assert "My progress" in [tab.label for tab in at.tabs]
    record = open_couple(harbor.ada, harbor.couple_id, tab="Details and status")
    switch = next(
        t for t in record.toggle if t.label == "Each partner sees their own progress on their link"
    )
    assert switch.value is True
    switch.set_value(False).run()
    assert not record.exception
    with harbor.factory() as session:
        assert session.get(Couple, harbor.couple_id).shows_own_progress is False
    at = confirm(client_app(harbor.lena_token))
    assert [tab.label for tab in at.tabs] == ["Your exercises", "Check-in"]
    assert "Only you see this page" not in "\n".join(s.text for s in shown_texts(at))


# --- Session feedback: from the link to the counselor, never to the shared screen -------------


def fill_feedback(at, score: int = 6):
    feedback = get_catalog().measure("session-feedback")
    radios = {radio.label: radio for radio in at.radio}
    for item in feedback.items:
        radios[item.text].set_value(score)
    next(a for a in at.text_area if a.label.startswith("Anything else about this session")).input(
        LENA_COMMENT
    )
    return at


def log_session_on_the_record(harbor: Harbor) -> None:
    at = open_couple(harbor.ada, harbor.couple_id, tab="Sessions")
    next(a for a in at.text_area if a.label.startswith("Private notes (never")).input(SESSION_NOTE)
    next(b for b in at.button if b.label == "Save session").click().run()
    assert not at.exception


def test_after_the_newest_session_an_earlier_one_without_feedback_is_asked_under_the_thanks(
    harbor,
):
    log_session_on_the_record(harbor)
    log_session_on_the_record(harbor)
    with harbor.factory() as session:
        first, newest = session.scalars(
            select(CounselingSession)
            .where(CounselingSession.couple_id == harbor.couple_id)
            .order_by(CounselingSession.number)
        ).all()
        first.held_on = newest.held_on - dt.timedelta(days=7)
        earlier = i18n.day(first.held_on, "en")
        session.commit()
    at = confirm(client_app(harbor.lena_token))
    assert [h.value for h in at.subheader if h.value.startswith("Your session on")] == [
        f"Your session on {i18n.day(newest.held_on, 'en')}"
    ]
    fill_feedback(at)
    next(b for b in at.button if b.label == "Send feedback").click().run()
    assert not at.exception
    assert "Thank you. Your feedback on the session is saved." in [s.value for s in at.success]
    assert [h.value for h in at.subheader if h.value.startswith("Your session on")] == [
        f"Your session on {earlier}"
    ]
    assert "Send feedback" in [b.label for b in at.button]
    [row] = stored(harbor.factory, SessionFeedback)
    assert row.session_id == newest.id


def test_session_feedback_goes_from_lenas_link_to_the_counselor_side_by_side(harbor):
    at = confirm(client_app(harbor.lena_token))
    assert "Session feedback" not in [tab.label for tab in at.tabs]
    log_session_on_the_record(harbor)

    at = confirm(client_app(harbor.lena_token))
    assert "Session feedback" in [tab.label for tab in at.tabs]
    fill_feedback(at)
    send_feedback = next(b for b in at.button if b.label == "Send feedback")
    send_feedback.click().run()
    assert not at.exception
    assert "Thank you. Your feedback on the session is saved." in [s.value for s in at.success]
    # The second click of a double click: the same submission, from the page as it was; the
    # thank-you stays.
    send_feedback.click().run()
    assert not at.exception
    assert "Thank you. Your feedback on the session is saved." in [s.value for s in at.success]
    [row] = stored(harbor.factory, SessionFeedback)
    assert (row.partner_id, row.total, row.comment) == (harbor.lena, 24, LENA_COMMENT)
    assert row.entered_by is None and row.language == "en"
    at = confirm(client_app(harbor.lena_token))
    assert "Session feedback" not in [tab.label for tab in at.tabs]

    record = open_couple(harbor.ada, harbor.couple_id, tab="Session feedback")
    assert not record.exception
    [table] = record.dataframe
    columns = list(table.value.columns)
    assert columns[:2] == ["Session", "Held on"]
    assert {"1. Lena", "2. Marco"} <= set(columns)
    assert columns.index("1. Lena") < columns.index("2. Marco")
    [session_row] = table.value.to_dict("records")
    assert session_row["1. Lena"] == "24 of 40"
    assert session_row["2. Marco"] == "not given"
    assert LENA_COMMENT in [t.value for t in record.text]
    assert "No feedback on this session." in [c.value for c in record.caption]

    progress = open_progress(harbor.ada, harbor.couple_id, progress_view="Session feedback")
    assert not progress.exception
    [table] = progress.dataframe
    [session_row] = table.value.to_dict("records")
    assert (session_row["1. Lena"], session_row["2. Marco"]) == ("24 of 40", "not given")
    assert LENA_COMMENT in [t.value for t in progress.text]

    feedback_words = [LENA_COMMENT, "24 of 40", "not given", "Session feedback"] + [
        item.text for item in get_catalog().measure("session-feedback").items
    ]
    for tab in SESSION_TABS:
        screen = open_session_mode(harbor.ada, harbor.couple_id)
        screen.session_state[f"session_view_{harbor.couple_id}"] = tab
        screen.run()
        assert not screen.exception
        shown = "\n".join(s.text for s in shown_texts(screen))
        for words in feedback_words:
            assert words not in shown, (tab, words)


# --- In-room entry: the screen faces one partner ----------------------------------------------


def open_room_entry(actor, harbor: Harbor, partner_id: int, form: str = "checkin"):
    at = signed_in_app(actor).run()
    at.switch_page("pages/room_entry.py")
    at.query_params["couple"] = str(harbor.couple_id)
    at.query_params["partner"] = str(partner_id)
    at.query_params["form"] = form
    return at.run()


def turn_the_screen(at):
    next(b for b in at.button if b.label == "Turn the screen to the partner").click().run()
    assert not at.exception
    return at


def test_in_room_entry_from_the_record_faces_lena_only_and_is_stored_as_entered(lived_in):
    at = open_couple(lived_in.ada, lived_in.couple_id, tab="Check-ins")
    who = next(s for s in at.selectbox if s.label == "Enter for")
    assert who.options == ["Lena", "Marco"]
    who.select_index(0)
    next(s for s in at.selectbox if s.label == "What").set_value("checkin")
    next(b for b in at.button if b.label == "Start").click().run()
    assert not at.exception
    opened = dict(at.query_params)
    # Each Start is a new visit of its own (a visit left half-way never reopens as the next).
    assert len(opened.pop("visit")) == 32
    assert opened == {
        "couple": str(lived_in.couple_id),
        "partner": str(lived_in.lena),
        "form": "checkin",
    }
    # The script switched pages; AppTest would rerun the page its own switch_page named last
    # (the record), where a browser stays on the address the script moved it to.
    at.switch_page("pages/room_entry.py")
    # Still facing the counselor: whom the screen will face, and what it will not show.
    assert [t.value for t in at.title] == ["In-room entry for Lena"]
    assert "Lena" in at.markdown[0].value and "Marco" not in at.markdown[0].value
    assert len(at.sidebar.children) == 0

    turn_the_screen(at)
    assert [t.value for t in at.title] == ["Hello, Lena"]
    assert len(at.sidebar.children) == 0
    shown = "\n".join(s.text for s in shown_texts(at))
    for secret in ("Marco", MARCO_REFLECTION, SESSION_NOTE, "Rivera", "Ada Fictional", "Harbor"):
        assert secret not in shown, secret
    safety = get_catalog().measure("trust-pulse").item("felt-unsafe").text
    assert any(radio.label == safety for radio in at.radio)
    assert not [b for b in at.button if "couple record" in b.label]

    send(fill_checkin(at, consent=None))
    assert not at.exception
    entered = [row for row in stored(lived_in.factory, CheckIn) if row.entered_by is not None]
    assert [(row.partner_id, row.entered_by) for row in entered] == [
        (lived_in.lena, lived_in.ada.counselor_id)
    ]
    assert [t.value for t in at.title] == ["Thank you, Lena"]
    assert [s.value for s in at.success] == [
        "Your answers are saved. Please hand the screen back to your counselor."
    ]
    assert len(at.sidebar.children) == 0


def test_a_safety_yes_entered_in_the_room_shows_the_support_text(harbor):
    at = turn_the_screen(open_room_entry(harbor.ada, harbor, harbor.lena))
    send(fill_checkin(at, safety="Yes"))
    assert not at.exception
    assert any("may not be safe" in w.value for w in at.warning)
    assert any("emergency" in t.value for t in at.text)
    [row] = stored(harbor.factory, CheckIn)
    assert row.safety_flag is True and row.entered_by == harbor.ada.counselor_id


def test_in_room_entry_for_a_spanish_partner_is_in_spanish(app_factory):
    harbor = make_harbor(app_factory, lena_language="es")
    at = open_room_entry(harbor.ada, harbor, harbor.lena)
    assert [t.value for t in at.title] == ["In-room entry for Lena"]  # the counselor's words
    turn_the_screen(at)
    assert [t.value for t in at.title] == ["Hola, Lena"]
    assert not english_on_page(at)
    pulse = get_catalog().measure("trust-pulse").in_language("es")
    assert [r.label for r in at.radio][: len(pulse.items)] == [item.text for item in pulse.items]
    radios = {radio.label: radio for radio in at.radio}
    for item in pulse.items:
        radios[item.text].set_value("No" if item.safety else 2)
    next(r for r in at.radio if r.label.startswith("¿Puede tu consejero")).set_value(
        "Sí, mostrar mis puntajes"
    )
    next(b for b in at.button if b.label == "Enviar chequeo").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Gracias, Lena"]
    assert not english_on_page(at)
    [row] = stored(harbor.factory, CheckIn)
    assert (row.language, row.entered_by) == ("es", harbor.ada.counselor_id)


def test_in_room_session_feedback_is_stored_as_entered(harbor):
    with CounselorWork(harbor.factory, harbor.ada) as uow:
        couples.log_session(uow, harbor.couple_id, dt.date.today(), SESSION_NOTE)
    at = turn_the_screen(open_room_entry(harbor.ada, harbor, harbor.marco, form="feedback"))
    assert [t.value for t in at.title] == [f"Your session on {i18n.day(dt.date.today(), 'en')}"]
    shown = "\n".join(s.text for s in shown_texts(at))
    assert "Lena" not in shown and SESSION_NOTE not in shown
    fill_feedback(at, score=9)
    next(b for b in at.button if b.label == "Send feedback").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Thank you, Marco"]
    [row] = stored(harbor.factory, SessionFeedback)
    assert (row.partner_id, row.entered_by, row.total) == (
        harbor.marco,
        harbor.ada.counselor_id,
        36,
    )


def test_another_counselor_opening_the_same_address_gets_no_form(harbor):
    at = open_room_entry(harbor.ben, harbor, harbor.lena)
    assert not at.exception
    assert NOT_FOUND in [w.value for w in at.warning]
    assert len(at.radio) == 0 and len(at.button) == 0 and len(at.text_area) == 0
    assert "Lena" not in "\n".join(s.text for s in shown_texts(at))


# --- Languages on the counselor's forms -------------------------------------------------------


def test_adding_a_couple_with_a_spanish_partner_stores_the_language(harbor):
    at = caseload_with_the_add_form_open(harbor.ada)
    inputs = {t.label: t for t in at.text_input}
    inputs["Couple label (how you name them in your caseload)"].input("Nakamura")
    inputs["Partner 1 name"].input("Yui")
    inputs["Partner 2 name"].input("Dev")
    second = next(s for s in at.selectbox if s.label == "Partner 2 language")
    assert second.options == ["English", "Spanish"]
    second.set_value("es")
    next(b for b in at.button if b.label == "Add couple").click().run()
    assert not at.exception
    assert at.title[0].value == "Nakamura"
    assert "Language: Spanish" in [t.value for t in at.text]
    with harbor.factory() as session:
        languages = dict(
            session.execute(
                select(Partner.display_name, Partner.language)
                .join(Couple)
                .where(Couple.label == "Nakamura")
            ).all()
        )
    assert languages == {"Yui": "en", "Dev": "es"}


def test_a_language_changed_on_the_details_tab_is_saved(harbor):
    at = open_couple(harbor.ada, harbor.couple_id, tab="Details and status")
    first = next(s for s in at.selectbox if s.label == "Partner 1 language")
    assert first.value == "en"
    first.set_value("es").run()
    next(b for b in at.button if b.label == "Save details").click().run()
    assert not at.exception
    with harbor.factory() as session:
        assert session.get(Partner, harbor.lena).language == "es"
        assert session.get(Partner, harbor.marco).language == "en"
        assert session.scalar(select(func.count(Partner.id))) == 2
    assert "Language: Spanish" in [t.value for t in at.text]


def test_a_new_in_room_visit_starts_at_the_hand_over_even_after_a_safety_yes(harbor):
    """Before each Start made a visit of its own, the next entry for Lena opened straight on
    the last one's "Thank you" screen, safety support text included."""
    at = open_room_entry(harbor.ada, harbor, harbor.lena)
    at.query_params["visit"] = "a" * 32
    send(fill_checkin(turn_the_screen(at.run()), safety="Yes"))
    assert [t.value for t in at.title] == ["Thank you, Lena"]

    at.query_params["visit"] = "b" * 32
    at.run()
    assert [t.value for t in at.title] == ["In-room entry for Lena"]
    assert not any("may not be safe" in w.value for w in at.warning)


def test_an_unknown_form_in_the_address_is_the_check_in_and_is_called_so(harbor):
    at = open_room_entry(harbor.ada, harbor, harbor.lena, form="anything-else")
    assert "their check-in" in at.markdown[0].value
    turn_the_screen(at)
    assert any(b.label == "Send check-in" for b in at.button)


def test_a_feedback_comment_pasted_too_long_is_refused_and_kept_as_typed(harbor):
    log_session_on_the_record(harbor)
    at = fill_feedback(confirm(client_app(harbor.lena_token)))
    comment = next(a for a in at.text_area if a.label.startswith("Anything else about this"))
    pasted = "We talked about the boat. " * 200  # 5,200 characters
    comment.input(pasted)
    next(b for b in at.button if b.label == "Send feedback").click().run()
    assert not at.exception
    assert any("Your note is too long" in e.value for e in at.error)
    assert next(a for a in at.text_area if a.label.startswith("Anything else")).value == pasted
    assert stored(harbor.factory, SessionFeedback) == []
