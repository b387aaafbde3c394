"""The couple record's sessions tab: log the next session, read and edit private notes."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from trustcare.services import couples
from trustcare.services.errors import ServiceError
from trustcare.ui import drafts
from trustcare.ui.forms import show_problems

# Why the last "Save session" was refused, shown once under the form it came from.
PROBLEM_KEY = "log_session_problem"


def show(context, actor, record) -> None:
    notes_key, date_key = drafts.key("new-session", record.id), drafts.key("new-date", record.id)
    if date_key not in st.session_state:
        st.session_state[date_key] = dt.date.today()
    st.subheader(f"Log session {record.next_session_number}")
    with st.container(border=True):
        st.date_input("Date", max_value=dt.date.today(), key=date_key)
        st.text_area("Private notes (never shown to the couple)", height=150, key=notes_key)
        st.button(
            "Save session",
            type="primary",
            on_click=_log_session,
            args=(context, actor, record.id, date_key, notes_key),
        )
        if problem := st.session_state.pop(PROBLEM_KEY, None):
            show_problems(problem)

    if not record.sessions:
        st.info("No sessions logged yet.")
    for session in record.sessions:
        with st.expander(f"Session {session.number} · {session.held_on:%Y-%m-%d}"):
            notes_key = drafts.key("session-notes", session.id)
            if notes_key not in st.session_state:
                st.session_state[notes_key] = session.notes
            edited = st.text_area("Private notes", key=notes_key, height=150)
            if st.button("Save notes", key=f"save_{session.id}"):
                try:
                    with context.work(actor) as uow:
                        couples.update_session_notes(uow, record.id, session.id, edited)
                except ServiceError as error:
                    show_problems(error)
                else:
                    st.toast("Notes saved.")


def _log_session(context, actor, couple_id: int, date_key: str, notes_key: str) -> None:
    """Runs before the page (a button callback), so a saved draft can be cleared; a refused
    one stays as typed, with the reason shown under it."""
    try:
        with context.work(actor) as uow:
            couples.log_session(
                uow, couple_id, st.session_state.get(date_key), st.session_state.get(notes_key, "")
            )
    except ServiceError as error:
        st.session_state[PROBLEM_KEY] = error
    else:
        drafts.forget(date_key, notes_key)
