"""Showing text people typed: never as HTML, never as live Markdown."""

from __future__ import annotations

import re

# Every ASCII punctuation character: CommonMark lets each be backslash-escaped.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")
# An empty Streamlit directive: an empty <span>, so no character is added to what is shown.
_SPLIT = ":small[]"


def escape_markdown(text: str, *, keep_lines: bool = False) -> str:
    """Typed text made safe to place in Markdown: it renders as exactly the characters typed.

    The one way user-typed text (names, labels, practice names, reflections) reaches any
    Markdown that Streamlit renders: st.markdown, st.write, titles, headers, captions, alerts,
    and the labels of buttons, tabs, expanders, page links and widgets. Plain-text places
    (st.text, a dataframe cell, a selectbox's format_func) take the text as it is.

    A backslash before each punctuation character stops the Markdown parser (links, images,
    emphasis, HTML, colour directives, LaTeX). Streamlit also rewrites the parsed text itself,
    where escapes no longer count: web addresses and emails become links (https://, www.),
    `--`, `->` and `<=` become arrows and dashes, `:smile:`, `:material_icon:` and
    `:streamlit:` become pictures. An empty `:small[]` before each punctuation character ends
    the text there, so none of those patterns is ever whole in one piece of text.
    Line breaks become spaces (a label has one line), or with `keep_lines` (a reflection)
    Markdown hard breaks.
    """
    escaped = _PUNCTUATION.sub(lambda found: f"{_SPLIT}\\{found[1]}", text)
    lines = escaped.replace("\r\n", "\n").split("\n")
    return "  \n".join(lines) if keep_lines else " ".join(lines)
