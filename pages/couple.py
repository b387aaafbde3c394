"""One couple's record: partners, status, and the session log with private notes."""

import datetime as dt

import streamlit as st

from trustcare.services import couples
from trustcare.services.errors import NotFound, ServiceError
from trustcare.ui import (
    couple_agenda,
    couple_assignments,
    couple_checkins,
    couple_links,
    state,
)
from trustcare.ui.forms import show_problems
from trustcare.ui.text import escape_markdown

context = state.get_context()
actor = state.current_actor(context)

raw_id = st.query_params.get("couple", "")
try:
    couple_id = int(raw_id)
    with context.work(actor) as uow:
        record = couples.get_couple_record(uow, couple_id)
except (ValueError, NotFound):
    st.title("Couple record")
    st.warning("That couple was not found in your caseload.")
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/arrow_back:")
    st.stop()

st.page_link("pages/caseload.py", label="Caseload", icon=":material/arrow_back:")
st.title(escape_markdown(record.label))
st.caption(f"Status: {record.status.capitalize()} · {len(record.sessions)} session(s)")

partner_cols = st.columns(2)
for column, partner in zip(partner_cols, record.partners, strict=True):
    with column.container(border=True):
        st.subheader(escape_markdown(partner.display_name))
        st.text(f"Partner {partner.position}")
        st.text(f"Contact: {partner.contact or 'none given'}")

progress_col, session_col, _ = st.columns([1, 1, 3])
progress_col.page_link(
    "pages/progress.py",
    label="Progress",
    icon=":material/monitoring:",
    query_params={"couple": record.id},
)
session_col.page_link(
    "pages/session.py",
    label="Session mode",
    icon=":material/co_present:",
    query_params={"couple": record.id},
)

agenda_tab, checkins_tab, assignments_tab, links_tab, sessions_tab, details_tab = st.tabs(
    ["Agenda", "Check-ins", "Assignments", "Links", "Sessions", "Details and status"]
)
catalog = context.catalog()

with agenda_tab:
    couple_agenda.show(context, actor, catalog, record)

with checkins_tab:
    couple_checkins.show(context, actor, catalog, record)

with assignments_tab:
    couple_assignments.show(context, actor, catalog, record)

with links_tab:
    couple_links.show(context, actor, record)

with sessions_tab, st.form("log_session", clear_on_submit=True):
    st.subheader(f"Log session {record.next_session_number}")
    held_on = st.date_input("Date", value=dt.date.today(), max_value=dt.date.today())
    notes = st.text_area("Private notes (never shown to the couple)", height=150)
    if st.form_submit_button("Save session", type="primary"):
        try:
            with context.work(actor) as uow:
                couples.log_session(uow, record.id, held_on, notes)
        except ServiceError as error:
            show_problems(error)
        else:
            st.rerun()

with sessions_tab:
    if not record.sessions:
        st.info("No sessions logged yet.")
    for session in record.sessions:
        with st.expander(f"Session {session.number} · {session.held_on:%Y-%m-%d}"):
            edited = st.text_area(
                "Private notes", value=session.notes, key=f"notes_{session.id}", height=150
            )
            if st.button("Save notes", key=f"save_{session.id}"):
                try:
                    with context.work(actor) as uow:
                        couples.update_session_notes(uow, record.id, session.id, edited)
                except ServiceError as error:
                    show_problems(error)
                else:
                    st.toast("Notes saved.")

with details_tab:
    with st.form("edit_couple"):
        label = st.text_input("Couple label", value=record.label, max_chars=80)
        columns = st.columns(2)
        edits = []
        for column, partner in zip(columns, record.partners, strict=True):
            name = column.text_input(
                f"Partner {partner.position} name", value=partner.display_name, max_chars=80
            )
            contact = column.text_input(
                f"Partner {partner.position} contact", value=partner.contact, max_chars=254
            )
            edits.append(couples.PartnerInput(name, contact))
        if st.form_submit_button("Save details"):
            try:
                with context.work(actor) as uow:
                    couples.update_couple(uow, record.id, label, edits)
            except ServiceError as error:
                show_problems(error)
            else:
                st.rerun()
    st.subheader("Status")
    actions = {
        "active": [("paused", "Pause"), ("closed", "Close")],
        "paused": [("active", "Resume"), ("closed", "Close")],
        "closed": [("active", "Reopen")],
    }[record.status]
    for column, (new_status, verb) in zip(st.columns(len(actions)), actions, strict=True):
        if column.button(verb, key=f"status_{new_status}"):
            with context.work(actor) as uow:
                couples.set_status(uow, record.id, new_status)
            st.rerun()
