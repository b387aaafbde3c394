"""Client-facing text stays easy to read: Flesch-Kincaid grade 8 or below for every module, and
in Spanish a Fernández Huerta score of 70 or more (fairly easy) for every module and measure."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import textstat

from trustcare.catalog import shipped_content_dir
from trustcare.content_loading import load_catalog
from trustcare.content_text import as_sentence

MAX_GRADE = 8.0
# Fernández Huerta runs 0-100 like Flesch reading ease: 60-70 is "normal", 70-80 "fairly
# easy" (about the level of the English grade-eight limit above, or easier).
MIN_SPANISH_EASE = 70.0
CATALOG = load_catalog([shipped_content_dir()])
MODULES = CATALOG.modules_latest()
MEASURES = CATALOG.measures_latest()
# textstat's own default, which every English grade here is computed with. Not "en": pyphen
# reads that as another dictionary, and English grades would shift after a Spanish test.
TEXTSTAT_DEFAULT_LANGUAGE = "en_US"


@pytest.fixture(autouse=True)
def offline_syllables(monkeypatch):
    """Count syllables with pyphen's bundled dictionaries, never NLTK's cmudict.

    textstat 0.7.5 and later download cmudict on first use, which fails without internet (CI has
    none) and would make grades depend on whether a machine once had it. Given no cmudict they
    fall back to pyphen, which is all that earlier versions use.
    """
    try:
        counter = importlib.import_module("textstat.backend.counts._count_syllables")
    except ImportError:
        return  # an older textstat: pyphen only already
    monkeypatch.setattr(counter, "get_cmudict", lambda lang: None)


def grade(text: str) -> float:
    return textstat.flesch_kincaid_grade(text)


@contextmanager
def textstat_in(language: str) -> Iterator[None]:
    """textstat counting syllables in `language`, then back to its English default."""
    textstat.set_lang(language)
    try:
        yield
    finally:
        textstat.set_lang(TEXTSTAT_DEFAULT_LANGUAGE)


@pytest.fixture
def spanish(offline_syllables):
    """textstat set to Spanish for one test; English again afterwards, for the grade tests."""
    with textstat_in("es"):
        yield


def ease(text: str) -> float:
    return textstat.fernandez_huerta(text)


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_what_clients_read_is_at_most_grade_eight(module):
    text = module.client_text()

    assert grade(text) <= MAX_GRADE, f"{module.id}: grade {grade(text):.1f}"


def test_the_grade_check_can_fail_on_dense_prose():
    dense = (
        "Relationship reconstruction necessitates comprehensive acknowledgement of "
        "interpersonal transgressions, accompanied by consistent demonstrations of "
        "trustworthiness across heterogeneous circumstances and extended temporal intervals."
    )

    assert grade(dense) > MAX_GRADE
    assert grade("We talk. We listen. We try again.") <= MAX_GRADE


@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.id)
def test_what_clients_read_in_spanish_is_fairly_easy(module, spanish):
    text = module.client_text("es")

    assert ease(text) >= MIN_SPANISH_EASE, f"{module.id}: Fernández Huerta {ease(text):.1f}"


@pytest.mark.parametrize("measure", MEASURES, ids=lambda m: m.id)
def test_the_questions_clients_answer_in_spanish_are_fairly_easy(measure, spanish):
    items = measure.in_language("es").items
    text = "\n".join(as_sentence(item.text) for item in items)

    assert ease(text) >= MIN_SPANISH_EASE, f"{measure.id}: Fernández Huerta {ease(text):.1f}"


def test_the_spanish_check_can_fail_on_dense_prose(spanish):
    dense = (
        "La reconstrucción relacional necesita un reconocimiento exhaustivo de las "
        "transgresiones interpersonales, acompañado de demostraciones consistentes de "
        "confiabilidad en circunstancias heterogéneas y durante intervalos temporales "
        "prolongados."
    )

    assert ease(dense) < MIN_SPANISH_EASE
    assert ease("Di lo que sientes. Te escucho con calma.") >= MIN_SPANISH_EASE


def test_a_spanish_check_leaves_english_grades_as_a_fresh_textstat_gives_them():
    # A new instance has textstat's default language, whatever earlier tests set and reset.
    fresh = type(textstat.textstat)()
    english = [fresh.flesch_kincaid_grade(module.client_text()) for module in MODULES]

    with textstat_in("es"):
        in_spanish = [grade(module.client_text()) for module in MODULES]
    after = [grade(module.client_text()) for module in MODULES]

    assert in_spanish != english  # the setting is real: Spanish syllables differ
    assert after == english
