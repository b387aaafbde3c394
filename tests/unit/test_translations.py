"""Content in Spanish: every shipped module and measure has it, a translation changes the words a
client reads and nothing else (ids, kinds, minutes, keys, scales, safety), and a broken
translation is one located line (the tests/unit/broken_content/translation-* cases)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustcare.catalog import shipped_content_dir
from trustcare.content_loading import load_catalog
from trustcare.content_schema import Measure, Module
from trustcare.scoring import score_answers

CATALOG = load_catalog([shipped_content_dir()])
MODULES = sorted(CATALOG.modules.values(), key=lambda m: m.key)
MEASURES = sorted(CATALOG.measures.values(), key=lambda m: m.key)
BROKEN = Path(__file__).resolve().parent / "broken_content"


def by_id(content: Module | Measure) -> str:
    return f"{content.id}-v{content.version}"


# --- every shipped file speaks Spanish -------------------------------------------------------


def test_the_shipped_library_is_not_empty_so_the_checks_below_check_something():
    assert len(MODULES) == 12
    assert {m.id for m in MEASURES} == {"trust-pulse", "session-feedback"}


@pytest.mark.parametrize("module", MODULES, ids=by_id)
def test_every_shipped_module_can_be_read_in_spanish(module):
    assert "es" in module.translations
    assert module.languages == ("en", "es")
    assert module.client_markdown_translated["es"].strip()


@pytest.mark.parametrize("measure", MEASURES, ids=by_id)
def test_every_shipped_measure_can_be_answered_in_spanish(measure):
    assert "es" in measure.translations
    assert measure.languages == ("en", "es")


# --- a module in Spanish: other words, same structure ----------------------------------------


def exercise_shape(module: Module) -> list[tuple[str, str, int, int, int]]:
    return [
        (e.id, e.kind, e.minutes, len(e.steps), len(e.reflection_prompts)) for e in module.exercises
    ]


@pytest.mark.parametrize("module", MODULES, ids=by_id)
def test_a_module_in_spanish_keeps_its_ids_kinds_minutes_and_version(module):
    spanish = module.in_language("es")

    assert spanish.key == module.key
    assert (spanish.audience, spanish.barriers, spanish.minutes) == (
        module.audience,
        module.barriers,
        module.minutes,
    )
    assert exercise_shape(spanish) == exercise_shape(module)
    # The counselor's side stays in English; only the client's side is translated.
    assert spanish.counselor_markdown == module.counselor_markdown
    assert spanish.translations == module.translations


@pytest.mark.parametrize("module", MODULES, ids=by_id)
def test_a_module_in_spanish_changes_every_word_the_client_reads(module):
    spanish = module.in_language("es")

    assert spanish.title != module.title
    assert spanish.summary != module.summary
    assert spanish.client_markdown == module.client_markdown_translated["es"]
    assert spanish.client_markdown != module.client_markdown
    for english, translated in zip(module.exercises, spanish.exercises, strict=True):
        assert translated.title != english.title, english.id
        for before, after in zip(english.steps, translated.steps, strict=True):
            assert after != before, (english.id, before)
        for before, after in zip(
            english.reflection_prompts, translated.reflection_prompts, strict=True
        ):
            assert after != before, (english.id, before)


@pytest.mark.parametrize("module", MODULES, ids=by_id)
def test_the_spanish_client_text_shares_no_line_with_the_english(module):
    english_lines = set(module.client_text("en").splitlines())
    spanish_lines = module.client_text("es").splitlines()

    assert len(spanish_lines) >= len(module.exercises)
    assert not english_lines & set(spanish_lines)
    assert "¿" in module.client_text("es")  # every module asks its reflection questions


def test_open_communication_reads_in_spanish_as_its_translator_wrote_it():
    module = CATALOG.module("open-communication").in_language("es")

    assert module.title == "Comunicación abierta y sincera"
    assert module.exercise("listening-loop").title == "El círculo de escucha"
    assert module.exercise("listening-loop").steps[-1] == (
        "Cambien de papel y hagan los mismos pasos otra vez."
    )
    assert module.client_markdown.startswith("La confianza crece cuando")


@pytest.mark.parametrize("language", ["en", "fr", "ES", "es-MX", ""])
def test_english_or_a_language_without_a_translation_gives_the_english_module(language):
    module = CATALOG.module("open-communication")

    same = module.in_language(language)

    assert same == module
    assert same.title == "Open and honest communication"
    assert same.client_markdown == module.client_markdown
    assert same.client_text(language) == module.client_text()


# --- a measure in Spanish: other words, same scoring ------------------------------------------


def scoring_shape(measure: Measure) -> object:
    return (
        [(i.id, i.scale, i.reverse, i.safety) for i in measure.items],
        {name: (s.min, s.max, sorted(s.anchors)) for name, s in measure.scales.items()},
        measure.required_items,
        measure.safety_items,
        measure.subscales,
        measure.total,
        measure.reliable_change,
        measure.cutoff,
        measure.overall_item,
        measure.practice_item,
        measure.feedback,
    )


@pytest.mark.parametrize("measure", MEASURES, ids=by_id)
def test_a_measure_in_spanish_keeps_items_scales_keys_safety_and_required_items(measure):
    spanish = measure.in_language("es")

    assert spanish.key == measure.key
    assert scoring_shape(spanish) == scoring_shape(measure)


@pytest.mark.parametrize("measure", MEASURES, ids=by_id)
def test_a_measure_in_spanish_changes_its_item_texts_and_anchor_words(measure):
    spanish = measure.in_language("es")

    assert spanish.title != measure.title
    assert spanish.about != measure.about
    for english, translated in zip(measure.items, spanish.items, strict=True):
        assert translated.text != english.text, english.id
    for name, scale in measure.scales.items():
        # Single words may be the same in both languages ("No"); a whole scale may not.
        assert spanish.scales[name].anchors != scale.anchors, name


def test_the_trust_pulse_asks_its_private_safety_question_in_spanish():
    spanish = CATALOG.measure("trust-pulse").in_language("es")

    assert spanish.item("felt-unsafe").text.startswith("En las últimas dos semanas, ¿has sentido")
    assert spanish.item("felt-unsafe").safety
    assert dict(spanish.scale_of("felt-unsafe").anchors) == {0: "No", 1: "Sí"}
    assert dict(spanish.scale_of("practice-done").anchors)[3] == "Todos los días"


def test_lenas_answers_score_the_same_in_spanish_as_in_english():
    """Lena skips one item, agrees she checks up on Tomás (reverse-keyed) and says no to safety."""
    measure = CATALOG.measure("trust-pulse")
    answers = {
        "honest-talk": 3,
        "hiding-things": 1,
        "kept-word": 4,
        "there-for-me": None,
        "safe-to-share": 2,
        "held-back": 3,
        "checking-up": 4,
        "feel-secure": 1,
        "overall-trust": 6,
        "practice-done": 2,
        "felt-unsafe": 0,
    }

    english = score_answers(measure, answers)
    spanish = score_answers(measure.in_language("es"), answers)

    assert spanish == english
    assert english.total is not None and english.safety_flag is False


def answers_for(measure: Measure) -> st.SearchStrategy[dict[str, int | None]]:
    """Any answers a partner could give: a value on each scored item's scale, or a skip."""
    choices = {}
    for item in measure.items:
        if item.scale is not None:
            scale = measure.scales[item.scale]
            choices[item.id] = st.none() | st.integers(scale.min, scale.max)
    return st.fixed_dictionaries(choices)


@pytest.mark.parametrize("measure", MEASURES, ids=by_id)
def test_any_answers_score_the_same_in_spanish_as_in_english(measure):
    spanish = measure.in_language("es")

    @settings(max_examples=60, deadline=None)
    @given(answers=answers_for(measure))
    def same_scores(answers):
        assert score_answers(spanish, answers) == score_answers(measure, answers)

    same_scores()


@pytest.mark.parametrize("language", ["en", "fr", "pt-BR"])
def test_english_or_an_untranslated_language_gives_the_english_measure(language):
    measure = CATALOG.measure("trust-pulse")

    same = measure.in_language(language)

    assert same == measure
    assert same.item("overall-trust").text == (
        "Overall, how much do you trust your partner right now?"
    )


# --- broken translations: one located line each -----------------------------------------------

# Each case names the thing a content editor must look for; test_catalog.py and
# test_content_validate_cli.py check that the loader prints exactly expected.txt.
TRANSLATION_CASES = {
    "translation-missing-exercise": 'missing the exercise(s) "bread-choice"',
    "translation-one-step-too-few": "bakery-walk.steps: has 1 step; the English has 2",
    "translation-unknown-exercise": "coffee-order: no exercise with this id in the module",
    "translation-without-section": 'translations.es: has no section "## For you (es)"',
    "translation-section-without-front-matter": (
        'body: section "## For you (es)" has no translations.es in the front matter'
    ),
    "translation-english-section": 'body: section "## For you (en)": use "## For you" for it',
    "translation-measure-missing-item": 'translations.es.items: missing the item(s) "overall"',
    "translation-measure-wrong-anchors": (
        "translations.es.anchors.agreement: has anchor(s) 2, which the English scale does not have"
    ),
    "translation-unknown-language": "translations.fr: must be one of: es",
}


@pytest.mark.parametrize("case", sorted(TRANSLATION_CASES))
def test_each_translation_mistake_has_a_broken_case_whose_line_names_what_is_wrong(case):
    expected = (BROKEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()

    assert len(expected) == 1
    assert expected[0].startswith(f"{case}/")
    assert TRANSLATION_CASES[case] in expected[0]


@pytest.mark.parametrize("case", sorted(TRANSLATION_CASES))
def test_each_translation_case_points_at_the_line_that_holds_the_mistake(case):
    expected = (BROKEN / case / "expected.txt").read_text(encoding="utf-8").strip()
    path, line, field, _ = expected.split(":", 3)
    text = (BROKEN / path).read_text(encoding="utf-8").splitlines()[int(line) - 1]

    last_key = field.strip().split(".")[-1]
    if last_key == "body":
        assert text.startswith("## For you (")
    else:
        assert text.strip().startswith(f"{last_key}:"), text
