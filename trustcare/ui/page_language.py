"""The page's `lang` attribute, for screen readers and browsers' translation offers.

Streamlit's index.html says `<html lang="en">` whatever the page holds (Streamlit 1.67 has no
setting for it), so a Spanish partner's screen reader would read Spanish text with English
rules. The client page sets the attribute to the partner's language on every run, which also
follows a change of language without a reload.

Streamlit also writes "Press Ctrl+Enter to submit form" under a text area, in English only (and
meaningless on a phone); on the screens a client reads it is hidden.
"""

from __future__ import annotations

import json

import streamlit as st

from trustcare.languages import known_language


def set_to(language: str) -> None:
    code = json.dumps(known_language(language))
    st.html(
        f"<script>document.documentElement.lang = {code};</script>"
        "<style>[data-testid='InputInstructions'] { display: none; }</style>",
        unsafe_allow_javascript=True,
        width="content",
    )
