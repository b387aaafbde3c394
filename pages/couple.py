"""One couple's record: partners, status, and tabs of which only the open one is drawn."""

import streamlit as st

from trustcare.errors import NotFound
from trustcare.languages import NAMES_IN_ENGLISH
from trustcare.services import overview
from trustcare.ui import (
    couple_agenda,
    couple_assignments,
    couple_checkins,
    couple_details,
    couple_feedback,
    couple_links,
    couple_sessions,
    drafts,
    state,
)
from trustcare.ui.text import escape_markdown

# Each tab, and the part of the record its data comes from (None: the record alone).
TABS = {
    "Agenda": overview.AGENDA,
    "Check-ins": overview.CHECKINS,
    "Assignments": overview.ASSIGNMENTS,
    "Links": overview.LINKS,
    "Sessions": None,
    "Session feedback": None,
    "Details and status": None,
}

context = state.get_context()
actor = state.current_actor(context)
catalog = context.catalog()
# Half-written notes survive a look at another tab, which is not drawn (see ui/drafts.py).
drafts.keep()

# The tabs come first in the script, so that only the open tab's data is read, but show below
# the header. Switching tabs reruns the page; the open tab is kept in the URL (?tab=Links), so
# a reload or a shared link opens the same one.
header, body = st.container(), st.empty()
tabs = dict(
    zip(TABS, body.tabs(list(TABS), key="tab", on_change="rerun", bind="query-params"), strict=True)
)
opened = next(label for label, tab in tabs.items() if tab.open)

try:
    couple_id = int(st.query_params.get("couple", ""))
except ValueError:
    couple_id = 0  # no couple's id
try:
    with context.work(actor) as uow:
        view = overview.couple_overview(
            uow,
            catalog,
            couple_id,
            TABS[opened],
        )
except NotFound:
    body.empty()
    with header:
        st.title("Couple record")
        st.warning("That couple was not found in your caseload.")
        st.page_link(
            "pages/caseload.py", label="Back to the caseload", icon=":material/arrow_back:"
        )
    st.stop()
record = view.record

with header:
    st.page_link("pages/caseload.py", label="Caseload", icon=":material/arrow_back:")
    st.title(escape_markdown(record.label))
    st.caption(f"Status: {record.status.capitalize()} · {len(record.sessions)} session(s)")
    for column, partner in zip(st.columns(2), record.partners, strict=True):
        with column.container(border=True):
            st.subheader(escape_markdown(partner.display_name))
            st.text(f"Partner {partner.position}")
            st.text(f"Contact: {partner.contact or 'none given'}")
            language = NAMES_IN_ENGLISH.get(partner.language, partner.language)
            st.text(f"Language: {language}")
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

# The service fills only the part that was asked for, so the one that is set is the open tab's.
with tabs[opened]:
    if opened == "Sessions":
        couple_sessions.show(context, actor, record)
    elif opened == "Session feedback":
        couple_feedback.show(context, actor, catalog, record)
    elif opened == "Details and status":
        couple_details.show(context, actor, record)
    elif view.agenda is not None:
        couple_agenda.show(context, actor, record, view.agenda)
    elif view.checkins is not None:
        couple_checkins.show(catalog, record, view.checkins)
        couple_feedback.in_room_entry(record, "checkins_tab_room")
    elif view.assignments is not None:
        couple_assignments.show(context, actor, catalog, record, view.assignments)
    elif view.links is not None:
        couple_links.show(context, actor, record, view.links)
