"""Newer and Older buttons for a newest-first list that a service hands out a page at a time.

The service says where the next page starts (a cursor); the cursors of the pages passed on the
way are kept in the session, so "Newer" goes back exactly. Other filters start at the newest.
"""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator


def _held(key: str, filters: Hashable) -> list:
    held = st.session_state.get(key)
    if not isinstance(held, dict) or held.get("filters") != filters:
        held = {"filters": filters, "cursors": []}
        st.session_state[key] = held
    return held["cursors"]


def cursor(key: str, filters: Hashable) -> tuple[object | None, int]:
    """Where the page on view starts (None: the newest), and its number from 1."""
    cursors = _held(key, filters)
    return (cursors[-1] if cursors else None), len(cursors) + 1


def show(
    key: str,
    filters: Hashable,
    older: object | None,
    newer_at: DeltaGenerator,
    older_at: DeltaGenerator,
) -> None:
    """The two buttons, in the given places; a click moves on before the next run (a callback),
    so one click costs one run. Nothing is shown when everything fits on one page."""
    cursors = _held(key, filters)
    if not cursors and older is None:
        return
    newer_at.button(
        "Newer",
        key=f"{key}_newer",
        icon=":material/arrow_back:",
        disabled=not cursors,
        on_click=cursors.pop,
        width="stretch",
    )
    older_at.button(
        "Older",
        key=f"{key}_older",
        icon=":material/arrow_forward:",
        disabled=older is None,
        on_click=cursors.append,
        args=(older,),
        width="stretch",
    )
