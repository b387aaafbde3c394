"""The counselor's caseload: their couples, a search, and adding a couple."""

import pyarrow as pa
import streamlit as st

from trustcare import charts
from trustcare.errors import ServiceError
from trustcare.languages import DEFAULT_LANGUAGE, LANGUAGES, NAMES_IN_ENGLISH
from trustcare.services import caseloads, couples
from trustcare.ui import state
from trustcare.ui.chart import show_chart
from trustcare.ui.forms import OneUseForm

context = state.get_context()
actor = state.current_actor(context)
# The couple that "Add couple" just made (its callback ran before this page): open its record.
ADDED_KEY = "trustcare_added_couple"
add_form = OneUseForm("add_couple")
if (added := st.session_state.pop(ADDED_KEY, None)) is not None:
    st.switch_page("pages/couple.py", query_params={"couple": added})

st.title("Caseload")
status_col, search_col = st.columns([1, 2])
status = status_col.selectbox(
    "Status", ["all", *couples.COUPLE_STATUSES], index=1, format_func=str.capitalize
)
search = search_col.text_input("Search by couple label or partner name")

page_number = st.session_state.get("caseload_page", 1)
with context.work(actor) as uow:
    caseload = caseloads.caseload_view(
        uow,
        context.catalog(),
        status=None if status == "all" else status,
        search=search,
        page=page_number,
    )
rows = caseload.rows

if not rows:
    if caseload.total == 0:
        st.info("Your caseload is empty. Add your first couple below.")
    else:
        st.info("No couples match this search and status.")
else:
    # Arrow, which st.dataframe sends as it is: a pandas frame would be converted on every run.
    table = pa.table(
        {
            "Alerts": pa.array([caseload.badge(row.couple_id) for row in rows], pa.string()),
            "Couple": pa.array([row.label for row in rows], pa.string()),
            "Partners": pa.array([row.partners for row in rows], pa.string()),
            "Status": pa.array([row.status.capitalize() for row in rows], pa.string()),
            "Sessions": pa.array([row.sessions for row in rows], pa.int64()),
            "Last session": pa.array([row.last_session for row in rows], pa.date32()),
            "Next session": pa.array(
                [
                    row.next_session.astimezone(caseload.zone).strftime("%a %d %b %H:%M")
                    if row.next_session
                    else None
                    for row in rows
                ],
                pa.string(),
            ),
            "Check-ins done": pa.array([row.completion for row in rows], pa.string()),
        }
    )
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="caseload_table",
        # A couple with no session yet has no date: an empty cell, not Streamlit's "None".
        placeholder="",
        column_config={"Last session": st.column_config.DateColumn(format="YYYY-MM-DD")},
    )
    selected = event.selection.rows if event else []
    st.caption(
        f"{caseload.matching} couple(s), most urgent first. Select a row, or pick a couple "
        "below, to open the record."
    )
    if caseload.pages > 1:
        st.number_input(
            f"Page (of {caseload.pages})",
            min_value=1,
            max_value=caseload.pages,
            key="caseload_page",
        )
    pick_col, open_col = st.columns([3, 1], vertical_alignment="bottom")
    by_id = {row.couple_id: row for row in rows}
    choice = pick_col.selectbox(
        "Open a couple's record",
        list(by_id),
        format_func=lambda couple_id: f"{by_id[couple_id].label} ({by_id[couple_id].partners})",
        key="open_couple_choice",
    )
    if selected:
        st.switch_page("pages/couple.py", query_params={"couple": rows[selected[0]].couple_id})
    if open_col.button("Open record", type="primary"):
        st.switch_page("pages/couple.py", query_params={"couple": choice})

if rows and st.toggle("Show where each couple stands (current score against change)"):
    with context.work(actor) as uow:
        overview = caseloads.caseload_overview(
            uow, context.catalog(), [row.couple_id for row in rows]
        )
    show_chart(charts.caseload_figure(overview), key="caseload_overview")


def _add_couple(submission: str) -> None:
    """A button callback with the form's one-use key fixed when it was drawn: a double click
    adds one couple. The new record opens; a refused form keeps what was typed."""
    values = add_form.values(
        "label", "name_1", "contact_1", "language_1", "name_2", "contact_2", "language_2"
    )
    try:
        with context.work(actor) as uow:
            new_id = couples.create_couple(
                uow,
                values["label"] or "",
                [
                    couples.PartnerInput(
                        values[f"name_{n}"] or "",
                        values[f"contact_{n}"] or "",
                        values[f"language_{n}"] or DEFAULT_LANGUAGE,
                    )
                    for n in (1, 2)
                ],
                submission=submission,
            )
    except ServiceError as error:
        add_form.refused(error)
    else:
        add_form.saved(submission, "Couple added.")
        st.session_state[ADDED_KEY] = new_id


adder = st.expander(
    "Add a couple", expanded=caseload.total == 0, key="add_couple_open", on_change="rerun"
)
# Drawn only while open: otherwise the form's fields would be built on every run, unseen.
if adder.open:
    with adder, st.form("add_couple"):
        st.text_input(
            "Couple label (how you name them in your caseload)", key=add_form.key("label")
        )
        first, second = st.columns(2)
        first.text_input("Partner 1 name", key=add_form.key("name_1"))
        first.text_input(
            "Partner 1 contact (optional email or phone)", key=add_form.key("contact_1")
        )
        second.text_input("Partner 2 name", key=add_form.key("name_2"))
        second.text_input(
            "Partner 2 contact (optional email or phone)", key=add_form.key("contact_2")
        )
        for column, number in ((first, 1), (second, 2)):
            column.selectbox(
                f"Partner {number} language",
                LANGUAGES,
                format_func=NAMES_IN_ENGLISH.__getitem__,
                key=add_form.key(f"language_{number}"),
                help="Their page, emails and reminders; they can change it on their page too.",
            )
        st.form_submit_button(
            "Add couple", type="primary", on_click=_add_couple, args=(add_form.submission,)
        )
        add_form.show_problem()
