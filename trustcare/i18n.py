"""Client-facing words in the partner's language: gettext catalogs and Babel's dates.

The catalogs live in trustcare/locale/<language>/LC_MESSAGES/messages.po, extracted with
`pybabel extract` and compiled to .mo by `make install` (see README, Languages). A .po whose
.mo is missing or older (a checkout used without `make install`) is compiled in memory, so
a partner never gets English because a build step was skipped. Pure: no Streamlit, no database.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
import logging
from collections.abc import Callable
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from trustcare.languages import DEFAULT_LANGUAGE, LANGUAGES, known_language

log = logging.getLogger(__name__)
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"

Translate = Callable[[str], str]


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalog of a language; English (the source language) translates to itself."""
    language = known_language(language)
    if language == DEFAULT_LANGUAGE:
        return gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    if not po.is_file():
        log.error("no message catalog for %s; pages show English", language)
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def gettext_for(language: str) -> Translate:
    """`_` for one language: `_ = gettext_for(partner.language)`, then `_("Check-in")`."""
    return translations(language).gettext



def day(value: dt.date | dt.datetime, language: str) -> str:
    """A day as a client reads it: "Tuesday 8 December", "martes, 8 de diciembre"."""
    pattern = "EEEE d MMMM" if known_language(language) == "en" else "EEEE, d 'de' MMMM"
    return format_date(value, pattern, locale=known_language(language))


def long_day(value: dt.date | dt.datetime, language: str) -> str:
    """A day with its year: "8 December 2026", "8 de diciembre de 2026"."""
    pattern = "d MMMM y" if known_language(language) == "en" else "d 'de' MMMM 'de' y"
    return format_date(value, pattern, locale=known_language(language))


def short_day(value: dt.date | dt.datetime, language: str) -> str:
    """A day in a table or chart: "8 Dec 2026", "8 dic 2026"."""
    return format_date(value, "d MMM y", locale=known_language(language))


def day_and_time(value: dt.datetime, language: str, *, in_a_sentence: bool = False) -> str:
    """A local day and time: "Friday 9 May, 18:00", "viernes, 9 de mayo, 18:00"; inside a
    sentence "Friday 9 May at 18:00", "viernes, 9 de mayo, a las 18:00"."""
    joined_by = ", "
    if in_a_sentence:
        joined_by = ", a las " if known_language(language) == "es" else " at "
    return f"{day(value, language)}{joined_by}{value:%H:%M}"


def number(value: float, language: str) -> str:
    """A score as a client reads it: "24.5" in English, "24,5" in Spanish."""
    return format_decimal(value, format="#,##0.#", locale=known_language(language))


def in_every_language(message: str, separator: str = "\n\n") -> str:
    """A message for someone whose language is not known yet (a link that does not open):
    the same words in every language, each once."""
    texts = [gettext_for(language)(message) for language in LANGUAGES]
    return separator.join(dict.fromkeys(texts))
