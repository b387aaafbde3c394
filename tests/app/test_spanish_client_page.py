"""A partner who reads Spanish, on their own link through the real app: every element that holds
text is walked, and no English source string (message catalog, module, measures) shows."""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
from dataclasses import dataclass
from functools import partial

import pytest
from babel.dates import get_day_names, get_month_names
from babel.messages.pofile import read_po
from sqlalchemy import select
from streamlit.testing.v1.element_tree import Block

from tests.answers import CALM
from tests.app.conftest import weekly_since_three_days_ago
from tests.app.test_client_page import client_app, confirm, fill_checkin, send
from tests.couple_parts import shown_links
from trustcare import i18n
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.models import CheckIn, Couple, Partner
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.practice_settings import PracticeSettings
from trustcare.services import accounts, assignments, checkins, couples, links

ES = i18n.gettext_for("es")
MODULE = "open-communication"
LOCALE = i18n.LOCALE_DIR

# --- What the page shows: every element that holds text -----------------------------------

# Elements whose text is their value (a Markdown body is walked as its source).
TEXT_KINDS = {
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "info",
    "warning",
    "error",
    "success",
    "exception",
    "toast",
    "html",
    "code",
}
# Widgets: their label, help, placeholder and options.
WIDGET_KINDS = {
    "button",
    "download_button",
    "link_button",
    "page_link",
    "radio",
    "checkbox",
    "toggle",
    "text_area",
    "text_input",
    "number_input",
    "selectbox",
    "multiselect",
    "date_input",
    "time_input",
    "slider",
    "select_slider",
}
# Elements that hold no words.
SILENT_KINDS = {"divider", "space", "empty"}
PLOTLY_WORDS = {"name", "text", "hovertext", "hovertemplate", "ticktext"}


@dataclass(frozen=True)
class Shown:
    kind: str
    text: str


def _plotly_words(spec: object) -> list[str]:
    """The words a plotly figure draws: trace names, annotations, titles, hover text."""
    found: list[str] = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            if key in PLOTLY_WORDS and isinstance(value, str):
                found.append(value)
            elif key in PLOTLY_WORDS and isinstance(value, list):
                found.extend(v for v in value if isinstance(v, str))
            else:
                found.extend(_plotly_words(value))
    elif isinstance(spec, list):
        for value in spec:
            found.extend(_plotly_words(value))
    return found


def shown_texts(at) -> list[Shown]:
    """Every text the page shows, main area and sidebar, element by element.

    An element kind the walk does not know fails the walk, so a new kind of element cannot
    carry English past it unseen.
    """
    shown: list[Shown] = []

    def add(kind: str, text: object) -> None:
        if text is not None and str(text).strip():
            shown.append(Shown(kind, str(text)))

    def walk(node) -> None:
        kind = node.type
        if isinstance(node, Block):
            # Tabs, expanders, popovers and status boxes have a label; containers have none.
            label = getattr(node.proto, "label", None) if node.proto is not None else None
            add(kind, label if isinstance(label, str) else None)
            for child in node.children.values():
                walk(child)
            return
        fields = getattr(node.proto, "DESCRIPTOR", None)
        names = fields.fields_by_name if fields is not None else {}
        if kind in TEXT_KINDS:
            add(kind, node.value)
            add(kind, node.proto.help if "help" in names else None)
        elif kind in WIDGET_KINDS:
            for name in ("label", "help", "placeholder"):
                if name in names:
                    add(kind, getattr(node.proto, name))
            if "options" in names:
                for option in node.proto.options:
                    add(kind, option)
        elif kind == "progress":
            add(kind, node.proto.text)
        elif kind == "metric":
            add(kind, node.proto.label)
            add(kind, node.proto.body)
            add(kind, node.proto.help)
        elif kind in ("dataframe", "table"):
            table = node.value
            add(kind, table.index.name)
            for cell in table.index:
                if isinstance(cell, str):
                    add(kind, cell)
            for column in table.columns:
                add(kind, column)
            for column in table.columns:
                for cell in table[column]:
                    if isinstance(cell, str):
                        add(kind, cell)
        elif kind == "plotly_chart":
            for words in _plotly_words(json.loads(node.proto.spec)):
                add(kind, words)
        elif kind not in SILENT_KINDS:
            raise AssertionError(f"the walk does not read {kind!r} elements: teach it to")

    walk(at.main)
    walk(at.sidebar)
    return shown


# --- What must not show: English source strings that have a Spanish translation -----------

PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _normal(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class EnglishStrings:
    # Literal runs (12 characters or more) of translated messages: none may appear anywhere.
    fragments: frozenset[str]
    # Shorter translated messages, placeholders as wildcards: no text, line or " · " part may
    # be exactly one of them ("Check-in", "Yes", "Hello, {name}").
    whole: tuple[tuple[str, re.Pattern[str]], ...]
    # The client-facing content (module, trust pulse, session feedback): none may appear as
    # words anywhere.
    content: frozenset[str]
    # Day and month names as English writes them ("Saturday", "Dec"): Babel's dates are Spanish.
    dates: frozenset[str] = frozenset(
        name
        for names in (
            get_day_names("wide", locale="en"),
            get_month_names("wide", locale="en"),
            get_month_names("abbreviated", locale="en"),
        )
        for name in names.values()
    )


def _message_pairs() -> list[tuple[str, str]]:
    """Each msgid of the template with its Spanish msgstr ("" when untranslated)."""
    with (LOCALE / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    with (LOCALE / "es" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        spanish = read_po(handle, locale="es")
    pairs = []
    for message in template:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        translated = spanish.get(message.id)
        strings = translated.string if translated is not None else ""
        strings = strings if isinstance(strings, tuple) else (strings,) * len(ids)
        pairs.extend(zip(ids, strings, strict=False))
    return pairs


def _content_pairs() -> list[tuple[str, str]]:
    """Each English client-facing content string with its Spanish counterpart(s), joined."""
    catalog = get_catalog()
    module = catalog.module(MODULE)
    spanish = module.in_language("es")
    pairs = [(module.title, spanish.title), (module.summary, spanish.summary)]
    for english_exercise, spanish_exercise in zip(module.exercises, spanish.exercises, strict=True):
        pairs.append((english_exercise.title, spanish_exercise.title))
        pairs.extend(zip(english_exercise.steps, spanish_exercise.steps, strict=True))
        pairs.extend(
            zip(
                english_exercise.reflection_prompts,
                spanish_exercise.reflection_prompts,
                strict=True,
            )
        )
    spanish_paragraphs = "\n".join(spanish.client_markdown.split("\n\n"))
    pairs.extend(
        (paragraph, spanish_paragraphs)
        for paragraph in module.client_markdown.split("\n\n")
        if paragraph.strip()
    )
    for measure_id in ("trust-pulse", "session-feedback"):
        measure = catalog.measure(measure_id)
        in_spanish = measure.in_language("es")
        pairs.append((measure.title, in_spanish.title))
        pairs.extend(
            (item.text, in_spanish.item(item.id).text) for item in measure.items if item.text
        )
        for name, scale in measure.scales.items():
            spanish_anchors = in_spanish.scales[name].anchors
            pairs.extend((label, spanish_anchors[value]) for value, label in scale.anchors.items())
    return pairs


@functools.cache
def english_strings() -> EnglishStrings:
    fragments: set[str] = set()
    whole: list[tuple[str, re.Pattern[str]]] = []
    for msgid, msgstr in _message_pairs():
        if msgstr == msgid:
            continue  # the same words in both languages ("No", "{minutes} min")
        pieces = [_normal(piece) for piece in PLACEHOLDER.split(msgid)]
        long_pieces = [piece for piece in pieces if len(piece) >= 12]
        fragments.update(long_pieces)
        if not long_pieces:
            literal = [re.escape(_normal(piece)) for piece in PLACEHOLDER.split(msgid)]
            whole.append((msgid, re.compile(".+".join(literal))))
    content = {
        _normal(english)
        for english, spanish in _content_pairs()
        if _normal(english) and _normal(english) != _normal(spanish)
    }
    return EnglishStrings(frozenset(fragments), tuple(whole), frozenset(content))


def _parts(text: str) -> set[str]:
    """A text, its lines and its " · " parts, each without list or heading marks."""
    parts = {text}
    for line in text.splitlines():
        parts.add(line)
        parts.update(line.split(" · "))
    return {_normal(re.sub(r"^\s*(?:[-*]|\d+\.|#+)\s+", "", part)) for part in parts}


def english_on_page(at) -> list[tuple[str, Shown]]:
    """Each English source string found on the page, with the element that shows it."""
    strings = english_strings()
    found = []
    for shown in shown_texts(at):
        text = _normal(shown.text)
        found.extend((fragment, shown) for fragment in strings.fragments if fragment in text)
        found.extend(
            (words, shown)
            for words in strings.content | strings.dates
            if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text)
        )
        parts = _parts(shown.text)
        found.extend(
            (msgid, shown)
            for msgid, pattern in strings.whole
            if any(pattern.fullmatch(part) for part in parts)
        )
    return found


def assert_no_english(at) -> None:
    assert not at.exception, at.exception
    found = english_on_page(at)
    assert not found, "English on the Spanish page:\n" + "\n".join(
        f"  {english!r} in {shown.kind}: {shown.text[:120]!r}" for english, shown in found
    )


# --- The world: Lena reads Spanish, Marco English -------------------------------------------


@dataclass(frozen=True)
class World:
    factory: object
    admin: object
    couple_id: int
    lena: int
    marco: int
    assignment_id: int
    token: str

    def lena_actor(self) -> PartnerActor:
        return PartnerActor(self.lena, self.couple_id, self.admin.practice_id, 0, "Lena")


def make_world(factory, lena_language: str) -> World:
    """Harbor (Ada Fictional) and couple Rivera: Lena in `lena_language`, Marco in English; the
    open-communication module assigned to both, due in five days; Lena's link issued."""
    admin = accounts.create_practice(
        partial(unscoped_work, factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(factory, admin) as uow:
        couple_id = couples.create_couple(
            uow,
            "Rivera",
            [
                couples.PartnerInput("Lena", language=lena_language),
                couples.PartnerInput("Marco"),
            ],
        )
        assignment_id = assignments.assign_module(
            uow, get_catalog(), couple_id, MODULE, due_on=dt.date.today() + dt.timedelta(days=5)
        )
        lena, marco = (state.partner_id for state in shown_links(uow, couple_id))
        issued = links.issue_link(uow, couple_id, lena, "http://testserver")
    token = issued.url.split("t=", 1)[1]
    return World(factory, admin, couple_id, lena, marco, assignment_id, token)


@pytest.fixture
def spanish(app_factory) -> World:
    """Lena reads Spanish; nothing done yet."""
    return make_world(app_factory, "es")


@pytest.fixture
def english(app_factory) -> World:
    """The same world with Lena reading English."""
    return make_world(app_factory, "en")


def with_everything(world: World) -> World:
    """Session 1 held today (feedback is asked), Lena checked in three and two weeks ago and
    did one exercise, and the couple is on a weekly schedule (a due line and a stop button)."""
    catalog = get_catalog()
    with CounselorWork(world.factory, world.admin) as uow:
        couples.log_session(uow, world.couple_id, dt.date.today(), "Calm start.")
    for key in ("first", "second"):
        with PartnerWork(world.factory, world.lena_actor()) as uow:
            checkins.submit_checkin(uow, catalog, CALM, "", False, True, key)
    with world.factory() as session:
        # Three and two weeks ago: the schedule's open window is still to be answered.
        rows = session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
        for days, row in zip((21, 14), rows, strict=True):
            row.submitted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        session.commit()
    with PartnerWork(world.factory, world.lena_actor()) as uow:
        checkins.mark_exercise_done(
            uow, catalog, world.assignment_id, "listening-loop", "Fue lento.", False
        )
    schedule, since = weekly_since_three_days_ago()
    with world.factory() as session:
        couple = session.get(Couple, world.couple_id)
        couple.schedule = schedule
        couple.schedule_since = since
        session.commit()
    return world


def confirm_es(at):
    next(b for b in at.button if b.label == "Sí, soy Lena").click().run()
    assert not at.exception
    return at


def send_es(at, label: str = "Enviar chequeo"):
    next(b for b in at.button if b.label == label).click().run()
    return at


def fill_checkin_es(at, safety: str = "No", consent: bool = True):
    """Lena's answers to the Spanish trust pulse, found by their Spanish words."""
    pulse = get_catalog().measure("trust-pulse").in_language("es")
    radios = {radio.label: radio for radio in at.radio}
    for item in pulse.items:
        if item.safety:
            radios[item.text].set_value(safety)
        else:
            radios[item.text].set_value(CALM[item.id])
    if consent:
        asked = ES("May your counselor show your scores to both of you in joint sessions?")
        radios[asked].set_value(ES("Yes, show my scores"))
    return at


def stored_checkins(world: World) -> list[CheckIn]:
    with world.factory() as session:
        rows = session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
        session.expunge_all()
        return list(rows)


# --- The tests ---------------------------------------------------------------------------


def test_the_english_strings_to_look_for_are_many_and_include_the_pages_own_words():
    strings = english_strings()
    assert "Your reflection (optional)" in strings.fragments
    assert "Please answer the questions marked as needed. Nothing was sent yet." in " ".join(
        strings.fragments
    )
    assert "Check-in" in [msgid for msgid, _ in strings.whole]
    assert "The listening loop" in strings.content
    assert "Not at all true" in strings.content
    assert "Overall, how much do you trust your partner right now?" in strings.content
    assert len(strings.fragments) > 60 and len(strings.content) > 40


def test_the_confirm_screen_is_spanish(spanish):
    at = client_app(spanish.token)
    assert [t.value for t in at.title] == ["Hola, Lena"]
    assert [b.label for b in at.button] == ["Sí, soy Lena", "No, no soy yo"]
    assert_no_english(at)
    next(b for b in at.button if b.label == "No, no soy yo").click().run()
    assert [w.value for w in at.warning] == [
        ES(
            "Thank you. Please close this page: it is someone else's. "
            "Your counselor can send you your own link."
        )
    ]
    assert_no_english(at)


def test_a_new_partners_tabs_are_spanish(spanish):
    at = confirm_es(client_app(spanish.token))
    assert [tab.label for tab in at.tabs] == ["Tus ejercicios", "Chequeo", "Mi progreso"]
    assert "Comunicación abierta y sincera" in [s.value for s in at.subheader]
    assert ES("Your progress appears here after your first check-in.") in [i.value for i in at.info]
    assert_no_english(at)


def test_a_partner_without_exercises_is_told_so_in_spanish(spanish):
    with CounselorWork(spanish.factory, spanish.admin) as uow:
        assignments.set_status(uow, spanish.couple_id, spanish.assignment_id, "skipped")
    at = confirm_es(client_app(spanish.token))
    assert "Tu consejero o consejera no te ha dado ejercicios por ahora." in [
        i.value for i in at.info
    ]
    assert_no_english(at)


def test_every_tab_with_everything_on_it_is_spanish(spanish):
    at = confirm_es(client_app(with_everything(spanish).token))
    assert [tab.label for tab in at.tabs] == [
        "Tus ejercicios",
        "Chequeo",
        "Tu opinión de la sesión",
        "Mi progreso",
    ]
    shown = [s.text for s in shown_texts(at)]
    # Each tab's content is there: a done exercise, the check-in, feedback, own progress.
    assert any(text.startswith("Hecho: El círculo de escucha") for text in shown)
    assert "Guardar reflexión" in shown and "Enviar chequeo" in shown
    assert "Enviar opinión" in shown
    assert "En general, esta sesión fue el tipo de ayuda que necesito." in shown
    assert "Tu último puntaje de confianza" in shown and "24 de 32" in shown
    assert "Puntaje de confianza" in shown  # a column of the table
    assert "**Comunicación abierta y sincera**: 1 de 3 ejercicios hechos" in shown
    assert any(text.startswith("Tu próximo chequeo vence el") for text in shown)
    assert "Detener los recordatorios por correo" in shown
    assert any(text.startswith("Intenta terminar antes del") for text in shown)
    assert_no_english(at)


def test_sending_nothing_lists_what_is_missing_in_spanish_and_stores_nothing(spanish):
    at = send_es(confirm_es(client_app(spanish.token)))
    pulse = get_catalog().measure("trust-pulse").in_language("es")
    message = " ".join(e.value for e in at.error)
    assert "Falta responder:" in message
    assert f"- {pulse.item('overall-trust').text.strip()}" in message
    assert f"- {pulse.item('felt-unsafe').text.strip()}" in message
    assert "- ¿Puede tu consejero o consejera mostrar tus puntajes a los dos?" in message
    assert not stored_checkins(spanish)
    assert_no_english(at)


def test_sending_nothing_after_the_first_check_in_lists_the_missing_items_in_spanish(spanish):
    with PartnerWork(spanish.factory, spanish.lena_actor()) as uow:
        checkins.submit_checkin(uow, get_catalog(), CALM, "", False, True, "first")
    at = send_es(confirm_es(client_app(spanish.token)))
    message = " ".join(e.value for e in at.error)
    assert message.startswith(
        "Por favor, responde las preguntas marcadas como necesarias. Todavía no se envió nada. "
        "Falta responder:"
    )
    assert "- En general, ¿cuánto confías en tu pareja en este momento?" in message
    assert "- En las últimas dos semanas, ¿has sentido miedo de tu pareja" in message
    assert len(stored_checkins(spanish)) == 1
    assert_no_english(at)


def test_a_spanish_check_in_is_stored_as_spanish_and_thanked_in_spanish(spanish):
    at = send_es(fill_checkin_es(confirm_es(client_app(spanish.token))))
    assert [s.value for s in at.success] == ["Gracias. Tu chequeo está guardado."]
    assert_no_english(at)
    [stored] = stored_checkins(spanish)
    assert stored.language == "es" and stored.total == 24 and stored.safety_flag is False


def test_a_safety_yes_shows_the_spanish_support_text(spanish):
    at = send_es(fill_checkin_es(confirm_es(client_app(spanish.token)), safety="Sí"))
    assert [w.value for w in at.warning] == [
        ES("You told us you may not be safe. Here is where to get help now:")
    ]
    assert at.warning[0].value.startswith("Nos dijiste que quizás no estás a salvo.")
    assert PracticeSettings().support_text_es in [t.value for t in at.text]
    assert PracticeSettings().support_text not in [t.value for t in at.text]
    assert_no_english(at)
    [stored] = stored_checkins(spanish)
    assert stored.safety_flag is True and stored.language == "es"


def test_spanish_session_feedback_is_thanked_in_spanish(spanish):
    at = confirm_es(client_app(with_everything(spanish).token))
    feedback = get_catalog().measure("session-feedback").in_language("es")
    radios = {radio.label: radio for radio in at.radio}
    for item in feedback.items:
        radios[item.text].set_value(8)
    send_es(at, "Enviar opinión")
    assert "Gracias. Tu opinión sobre la sesión está guardada." in [s.value for s in at.success]
    assert "Enviar opinión" not in [b.label for b in at.button]  # thanked where the form was
    assert_no_english(at)
    at = confirm_es(client_app(spanish.token))
    assert "Tu opinión de la sesión" not in [tab.label for tab in at.tabs]


def test_choosing_english_makes_the_page_english_and_stores_it(spanish):
    at = confirm_es(client_app(spanish.token))
    language = next(s for s in at.selectbox if s.label == "Idioma")
    assert language.options == ["English", "Español"] and language.value == "es"
    language.set_value("en").run()
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Your exercises", "Check-in", "My progress"]
    assert "Open and honest communication" in [s.value for s in at.subheader]
    assert next(s for s in at.selectbox if s.label == "Language").value == "en"
    with spanish.factory() as session:
        assert session.get(Partner, spanish.lena).language == "en"
    assert english_on_page(at)  # the page is English now
    send(fill_checkin(at))
    assert "Thank you. Your check-in is saved." in [s.value for s in at.success]
    assert [row.language for row in stored_checkins(spanish)] == ["en"]


def test_the_walk_finds_english_on_an_english_partners_page(english):
    """The same walk fails on English: it would catch English left on the Spanish page."""
    at = confirm(client_app(with_everything(english).token))
    found = {text for text, _ in english_on_page(at)}
    for expected in (
        "Your reflection (optional)",  # a catalog message, as a text-area label
        "Check-in",  # a short message, as a tab label
        "Hello, {name}",  # a short message with a placeholder, as the title
        "The listening loop",  # an exercise title, in an expander label
        "Not at all true",  # an anchor, as a radio option
        "In today's session, I felt listened to and understood.",  # a feedback item
        "Your latest trust score",  # a metric label
        "Trust score",  # a table column
        f"{dt.date.today() + dt.timedelta(days=5):%A}",  # the day the module is due
    ):
        assert expected in found, expected


# d3 date directives that write a weekday or month name: plotly names them in English
# whatever the page's language (no plotly locale is loaded).
NAMED_DATE_PARTS = re.compile(r"%-?[aAbB]")


def test_my_progress_chart_names_no_month_in_english(spanish):
    at = confirm_es(client_app(with_everything(spanish).token))
    [chart] = at.get("plotly_chart")
    spec = json.loads(chart.proto.spec)
    formats = [
        *(trace.get("hovertemplate", "") for trace in spec["data"]),
        *(axis.get("tickformat", "") for name, axis in spec["layout"].items() if "axis" in name),
    ]
    assert not [f for f in formats if NAMED_DATE_PARTS.search(f)], formats
