"""The message catalogs: the .pot holds every client-facing string in the code, the Spanish .po
translates each one (nothing missing, fuzzy or stale, placeholders intact), the catalog loads
with or without its compiled .mo, and dates and numbers read the way each language writes them.
"""

from __future__ import annotations

import datetime as dt
import gettext
import logging
import os
import re
import shutil
from pathlib import Path
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from trustcare import i18n

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "trustcare" / "locale"
POT = LOCALE / "messages.pot"
PO = LOCALE / "es" / "LC_MESSAGES" / "messages.po"

MessageId = str | tuple[str, ...]


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def message_ids(catalog: Catalog) -> set[MessageId]:
    """Every msgid of a catalog but the header (whose msgid is empty)."""
    return {message.id for message in catalog if message.id}


def extract_command() -> str:
    """The `pybabel extract` line of the Makefile's `messages` target."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    return next(line for line in makefile.splitlines() if "pybabel extract" in line)


def makefile_keywords() -> dict[str, object]:
    """What `pybabel extract` looks for: Babel's defaults (`_`, `gettext`, `ngettext`...) plus
    every `-k` of the Makefile, exactly as the command line builds them."""
    command = extract_command()
    keywords = {} if "--no-default-keywords" in command else dict(DEFAULT_KEYWORDS)
    keywords.update(dict.fromkeys(re.findall(r"(?:-k|--keyword[= ])\s*(\w+)", command)))
    return keywords


def extracted_ids(root: Path) -> set[MessageId]:
    """The msgids `make messages` would put in the .pot for the source tree at `root`, read
    with root's babel.cfg and the Makefile's keywords."""
    with (root / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    return {
        message if isinstance(message, str) else tuple(message)
        for _, _, message, _, _ in extract_from_dir(
            root, method_map, options_map, keywords=makefile_keywords()
        )
    }


def not_in_catalog(root: Path, catalog: Catalog) -> set[MessageId]:
    return extracted_ids(root) - message_ids(catalog)


def untranslated(template: Catalog, translated: Catalog) -> list[MessageId]:
    """The template's msgids that `translated` lacks, leaves empty or marks fuzzy."""
    found = []
    for message in template:
        if not message.id:
            continue
        ours = translated.get(message.id)
        if ours is None or ours.fuzzy:
            found.append(message.id)
            continue
        strings = list(ours.string) if isinstance(ours.string, tuple) else [ours.string]
        if not all(string and string.strip() for string in strings):
            found.append(message.id)
    return found


def placeholders(text: str) -> set[str]:
    """The `{names}` that `.format` fills in; unbalanced braces raise ValueError, as `.format`
    itself would."""
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


def placeholder_mismatches(catalog: Catalog) -> list[tuple[str, set[str], set[str]]]:
    """(msgid, its placeholders, the translation's) wherever the two differ."""
    found = []
    for message in catalog:
        if not message.id or not message.string:
            continue
        sources = [message.id] if isinstance(message.id, str) else list(message.id)
        targets = [message.string] if isinstance(message.string, str) else list(message.string)
        want = set().union(*(placeholders(s) for s in sources))
        for target in targets:
            try:
                have = placeholders(target)
            except ValueError:
                have = {"<unbalanced braces>"}
            if have != want:
                found.append((sources[0], want, have))
    return found


@pytest.fixture
def template() -> Catalog:
    """trustcare/locale/messages.pot, as `make messages` last wrote it."""
    return read_catalog(POT)


@pytest.fixture
def spanish_po() -> Catalog:
    """The Spanish catalog, trustcare/locale/es/LC_MESSAGES/messages.po."""
    return read_catalog(PO, locale="es")


@pytest.fixture
def fresh_translations():
    """i18n.translations with an empty cache before and after, so a catalog loaded from a
    temporary folder never outlives its test."""
    i18n.translations.cache_clear()
    yield
    i18n.translations.cache_clear()


@pytest.fixture
def locale_copy(tmp_path, monkeypatch, fresh_translations) -> Path:
    """i18n reading a copy of trustcare/locale that holds the Spanish .po and no .mo."""
    folder = tmp_path / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    shutil.copy(PO, folder / "messages.po")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    return folder


# --- the .po translates the .pot, all of it and nothing else -----------------------------------


def test_the_catalogs_are_not_empty_so_the_checks_below_check_something(template, spanish_po):
    assert len(message_ids(template)) > 50
    assert "Send check-in" in message_ids(template)


def test_every_message_of_the_template_has_a_spanish_translation(template, spanish_po):
    assert untranslated(template, spanish_po) == []
    # pybabel compile skips a catalog whose header is marked fuzzy: all of it would be English.
    assert not spanish_po.fuzzy


def test_the_spanish_catalog_holds_no_message_the_template_has_dropped(template, spanish_po):
    assert message_ids(spanish_po) - message_ids(template) == set()
    assert dict(spanish_po.obsolete) == {}


def test_the_translation_check_reports_missing_empty_and_fuzzy_messages():
    template = Catalog()
    for text in ("Send check-in", "Thank you, Noor.", "Your counselor is Ada."):
        template.add(text)
    translated = Catalog(locale="es")
    translated.add("Send check-in", "Enviar")
    translated.add("Thank you, Noor.", "")
    translated.add("Your counselor is Ada.", "Tu consejera es Ada.", flags=["fuzzy"])

    assert untranslated(template, translated) == ["Thank you, Noor.", "Your counselor is Ada."]
    translated.add("Hello, stranger", "Hola")
    assert untranslated(translated, template) == [
        "Send check-in",
        "Thank you, Noor.",
        "Your counselor is Ada.",
        "Hello, stranger",
    ]


# --- the .pot is up to date with the code -----------------------------------------------------


def test_extraction_uses_the_makefiles_keywords():
    keywords = makefile_keywords()

    assert "-k in_every_language" in extract_command()
    assert {"_", "in_every_language"} <= set(keywords)


def test_every_client_facing_string_in_the_code_is_in_the_template(template):
    assert not_in_catalog(ROOT, template) == set(), "run `make messages` and translate"


def test_the_template_holds_no_string_the_code_no_longer_uses(template):
    assert message_ids(template) - extracted_ids(ROOT) == set(), "run `make messages`"


def test_a_new_sentence_on_the_check_in_page_is_reported_until_the_catalog_has_it(
    tmp_path, template
):
    """A copy of the source files babel.cfg names, with one sentence added to the client page."""
    shutil.copy(ROOT / "babel.cfg", tmp_path / "babel.cfg")
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, _ = parse_mapping_cfg(handle)
    for pattern, _ in method_map:
        (tmp_path / pattern).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / pattern, tmp_path / pattern)
    page = tmp_path / "pages" / "checkin.py"
    page.write_text(
        page.read_text(encoding="utf-8") + '\nst.write(_("A brand new sentence"))\n'
        'st.write(i18n.in_every_language("Marisol, this link has expired"))\n',
        encoding="utf-8",
    )

    new = not_in_catalog(tmp_path, template) - not_in_catalog(ROOT, template)
    assert new == {"A brand new sentence", "Marisol, this link has expired"}


# --- placeholders survive translation --------------------------------------------------------


def test_every_spanish_message_keeps_exactly_the_placeholders_of_the_english(spanish_po):
    assert placeholder_mismatches(spanish_po) == []


def test_the_spanish_catalog_has_messages_with_placeholders_to_check(spanish_po):
    with_names = [m.id for m in spanish_po if m.id and placeholders(str(m.id))]

    assert "A reminder from {practice}: your check-in" in with_names
    assert len(with_names) >= 5


def test_a_renamed_missing_or_broken_placeholder_is_reported():
    catalog = Catalog(locale="es")
    catalog.add("Hello {partner},", "Hola {pareja},")
    catalog.add("{counselor} at {practice}", "{counselor}")
    catalog.add("Due by {due}.", "Antes del {due.")
    catalog.add("See you on {day}.", "Nos vemos el {day}.")

    assert placeholder_mismatches(catalog) == [
        ("Hello {partner},", {"partner"}, {"pareja"}),
        ("{counselor} at {practice}", {"counselor", "practice"}, {"counselor"}),
        ("Due by {due}.", {"due"}, {"<unbalanced braces>"}),
    ]


# --- loading the catalog ---------------------------------------------------------------------


def spanish_for(catalog: Catalog, message: str) -> str:
    return catalog[message].string


def test_spanish_is_a_real_catalog_that_translates_the_send_button(spanish_po, fresh_translations):
    _ = i18n.gettext_for("es")

    assert isinstance(i18n.translations("es"), gettext.GNUTranslations)
    assert _("Send check-in") != "Send check-in"
    assert _("Send check-in") == spanish_for(spanish_po, "Send check-in")


def test_english_and_unknown_languages_speak_english(fresh_translations):
    for language in ("en", "fr", "", "ES"):
        assert type(i18n.translations(language)) is gettext.NullTranslations
        assert i18n.gettext_for(language)("Send check-in") == "Send check-in"


def test_without_a_compiled_mo_the_po_is_compiled_in_memory(locale_copy, spanish_po):
    assert not (locale_copy / "messages.mo").exists()

    _ = i18n.gettext_for("es")

    assert isinstance(i18n.translations("es"), gettext.GNUTranslations)
    assert _("Send check-in") == spanish_for(spanish_po, "Send check-in")
    assert not (locale_copy / "messages.mo").exists()  # compiled in memory, nothing written


def compile_with(folder: Path, spanish_po: Catalog, send_button: str, age_seconds: int) -> None:
    """A .mo in `folder` whose "Send check-in" says `send_button`, `age_seconds` older than the
    .po beside it (negative: newer)."""
    spanish_po["Send check-in"].string = send_button
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, spanish_po)
    po_time = (folder / "messages.po").stat().st_mtime
    os.utime(folder / "messages.mo", (po_time - age_seconds, po_time - age_seconds))


def test_a_mo_older_than_its_po_is_ignored_and_the_po_is_read(locale_copy, spanish_po):
    expected = spanish_for(spanish_po, "Send check-in")
    compile_with(locale_copy, spanish_po, "Enviar (compilado ayer)", age_seconds=86_400)

    assert i18n.gettext_for("es")("Send check-in") == expected


def test_a_mo_at_least_as_new_as_its_po_is_used(locale_copy, spanish_po):
    compile_with(locale_copy, spanish_po, "Enviar (compilado hoy)", age_seconds=-60)

    assert i18n.gettext_for("es")("Send check-in") == "Enviar (compilado hoy)"


def test_a_language_with_no_catalog_at_all_falls_back_to_english_and_says_so(
    tmp_path, monkeypatch, fresh_translations, caplog
):
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "empty-locale")

    with caplog.at_level(logging.ERROR, logger=i18n.__name__):
        assert i18n.gettext_for("es")("Send check-in") == "Send check-in"

    assert "no message catalog for es" in caplog.text


def test_a_message_for_someone_whose_language_is_unknown_says_it_in_each_language_once(
    spanish_po, fresh_translations
):
    spanish = spanish_for(spanish_po, "Check-in")

    assert i18n.in_every_language("Check-in", " · ") == f"Check-in · {spanish}"
    assert i18n.in_every_language("Tomás, not in any catalog") == "Tomás, not in any catalog"


# --- days and numbers ------------------------------------------------------------------------

TUESDAY_EVENING = dt.datetime(2026, 12, 8, 18, 5)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Tuesday 8 December"), ("es", "martes, 8 de diciembre"), ("fr", "Tuesday 8 December")],
)
def test_a_day_reads_as_each_language_writes_it(language, expected):
    assert i18n.day(TUESDAY_EVENING, language) == expected
    assert i18n.day(TUESDAY_EVENING.date(), language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "8 December 2026"), ("es", "8 de diciembre de 2026"), ("fr", "8 December 2026")],
)
def test_a_long_day_carries_its_year(language, expected):
    assert i18n.long_day(TUESDAY_EVENING, language) == expected


@pytest.mark.parametrize(("language", "expected"), [("en", "8 Dec 2026"), ("es", "8 dic 2026")])
def test_a_short_day_for_tables_and_charts(language, expected):
    assert i18n.short_day(TUESDAY_EVENING, language) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tuesday 8 December at 18:05"),
        ("es", "martes, 8 de diciembre, a las 18:05"),
        ("fr", "Tuesday 8 December at 18:05"),
    ],
)
def test_a_day_and_time_in_a_sentence_joins_them_as_each_language_does(language, expected):
    assert i18n.day_and_time(TUESDAY_EVENING, language, in_a_sentence=True) == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Tuesday 8 December, 18:05"), ("es", "martes, 8 de diciembre, 18:05")],
)
def test_a_day_and_time_on_its_own_is_joined_by_a_comma(language, expected):
    assert i18n.day_and_time(TUESDAY_EVENING, language) == expected


@pytest.mark.parametrize(
    ("value", "english", "spanish"),
    [(24.5, "24.5", "24,5"), (24.56, "24.6", "24,6"), (7.0, "7", "7"), (0, "0", "0")],
)
def test_a_score_reads_with_each_languages_decimal_mark(value, english, spanish):
    assert i18n.number(value, "en") == english
    assert i18n.number(value, "es") == spanish
    assert i18n.number(value, "fr") == english
