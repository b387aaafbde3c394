"""Showing text people typed: never as HTML, never as live Markdown."""

from __future__ import annotations

import re

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~:$<>&\"'=^])")


def escape_markdown(text: str) -> str:
    """Backslash-escape every character Markdown, emoji codes, colours or LaTeX could act on.

    For the few places where typed text must sit inside Markdown (a heading, a label);
    elsewhere use st.text or a dataframe cell, which never interpret anything.
    """
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("\n", " ")
