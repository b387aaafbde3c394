"""Client-facing text stays easy to read: Flesch-Kincaid grade 8 or below for every module."""

from __future__ import annotations

import importlib

import pytest
import textstat

from trustcare.catalog import shipped_content_dir
from trustcare.content_loading import load_catalog

MAX_GRADE = 8.0
MODULES = load_catalog([shipped_content_dir()]).modules_latest()


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
