"""One couple's record: partners, status, and the session log with private notes."""

import streamlit as st

from trustcare.services import couples
from trustcare.services.errors import NotFound
from trustcare.ui import (
    couple_agenda,
    couple_assignments,
    couple_checkins,
    couple_details,
    couple_links,
    couple_sessions,
    state,
)
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

# Only the open tab is drawn and its data read: switching tabs reruns the page. The open tab is
# kept in the URL (?tab=Links), so a reload or a shared link opens the same one.
agenda_tab, checkins_tab, assignments_tab, links_tab, sessions_tab, details_tab = st.tabs(
    ["Agenda", "Check-ins", "Assignments", "Links", "Sessions", "Details and status"],
    key="tab",
    on_change="rerun",
    bind="query-params",
)
catalog = context.catalog()

if agenda_tab.open:
    with agenda_tab:
        couple_agenda.show(context, actor, catalog, record)
elif checkins_tab.open:
    with checkins_tab:
        couple_checkins.show(context, actor, catalog, record)
elif assignments_tab.open:
    with assignments_tab:
        couple_assignments.show(context, actor, catalog, record)
elif links_tab.open:
    with links_tab:
        couple_links.show(context, actor, record)
elif sessions_tab.open:
    with sessions_tab:
        couple_sessions.show(context, actor, record)
elif details_tab.open:
    with details_tab:
        couple_details.show(context, actor, record)
