"""Typed text that outlives a tab switch.

The couple record draws only its open tab, and Streamlit forgets a widget's value at the end
of any run in which the widget is not drawn; a form's fields never reach the server at all
until it is submitted. So free text a counselor may leave half-written (session notes, a note
to the client) sits in keyed widgets outside forms, with keys made here, and `keep` holds
those values as the page's own state on every run, drawn or not.
"""

from __future__ import annotations

import streamlit as st

PREFIX = "draft:"
# The state of each one-use form (trustcare/ui/forms.py): its generation and submission key.
FORM_PREFIX = "trustcare_form:"


def key(*parts: object) -> str:
    """The widget key of one draft, e.g. key("session-notes", couple_id)."""
    return PREFIX + ":".join(str(part) for part in parts)


def keep() -> None:
    """Call at the top of a page, before its widgets: every draft survives this run."""
    for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(PREFIX)]:
        st.session_state[name] = st.session_state[name]


def forget(*names: str) -> None:
    """Drop drafts once saved (from a widget callback, which runs before the widgets)."""
    for name in names:
        st.session_state.pop(name, None)


def forget_all() -> None:
    """Drop every draft and form of this browser session (someone else signed in on it)."""
    for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(PREFIX)]:
        del st.session_state[name]
    for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(FORM_PREFIX)]:
        del st.session_state[name]
