"""The languages a partner can read TrustCare in, named in their own language.

English is the language content is written in; every other language is a translation that
content files and the message catalogs carry. Pure data: imported by the content schema, the
models' callers, the pages and the catalogs alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal, get_args

Language = Literal["en", "es"]
TranslatedLanguage = Literal["es"]

DEFAULT_LANGUAGE: Language = "en"
LANGUAGES: tuple[str, ...] = get_args(Language)
TRANSLATED_LANGUAGES: tuple[str, ...] = get_args(TranslatedLanguage)
# Each language named in itself, so a partner finds their own in a list they cannot yet read.
LANGUAGE_NAMES: Mapping[str, str] = MappingProxyType({"en": "English", "es": "Español"})
# The same in English, for the counselor's pages and exports, which stay English.
NAMES_IN_ENGLISH: Mapping[str, str] = MappingProxyType({"en": "English", "es": "Spanish"})


def known_language(value: str | None) -> str:
    """A stored or asked-for language, or English when it is unknown or missing."""
    return value if value in LANGUAGES else DEFAULT_LANGUAGE
