"""Practice admin: the audit trail, filtered by date, actor, action and record; CSV export."""

import datetime as dt

import streamlit as st

from trustcare.services import audit
from trustcare.ui import paging, state

PAGER_KEY = "audit_trail_pages"

context = state.get_context()
actor = state.current_actor(context)

st.title("Audit trail")
st.caption("Who did what to which record, newest first. Times are UTC.")
with context.work(actor, read_only=True) as uow:
    choices = audit.audit_choices(uow)

today = dt.date.today()
dates_col, actor_col, action_col = st.columns(3)
dates = dates_col.date_input("Dates", (today - dt.timedelta(days=30), today), max_value=today)
actor_id = actor_col.selectbox(
    "Actor",
    [None, *choices.actors],
    format_func=lambda key: "anyone" if key is None else choices.actors[key],
)
action = action_col.selectbox(
    "Action",
    ["", *choices.actions],
    format_func=lambda key: f"{key}: {choices.actions[key]}" if key else "any",
)
type_col, id_col, _ = st.columns(3)
record_type = type_col.selectbox(
    "Record type", ["", *choices.record_types], format_func=lambda r: r or "any"
)
record_id = id_col.number_input("Record id", min_value=1, value=None, step=1)

# While a range is being picked the widget holds one date: that day alone is shown.
picked = list(dates) if isinstance(dates, tuple) else [dates]
start, end = (picked[0], picked[-1]) if picked else (None, None)
filters = audit.AuditFilter(
    start=start,
    end=end,
    actor_id=actor_id,
    action=action,
    record_type=record_type,
    record_id=int(record_id) if record_id is not None else None,
)
before, page_number = paging.cursor(PAGER_KEY, filters)
with context.work(actor, read_only=True) as uow:
    page = audit.audit_events(uow, filters, before)

if not page.events.num_rows:
    st.info("No events match these filters.")
else:
    st.dataframe(
        page.events,
        hide_index=True,
        # An empty cell for a missing value, not the word "None".
        placeholder="",
        width="stretch",
        column_config={"When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")},
    )
    st.caption(
        f"Page {page_number}: {page.events.num_rows} event(s)"
        + ("; older ones on the next page. " if page.older else ". ")
        + "The CSV has every matching event."
    )


def export_csv() -> str:
    """Built only when the button is pressed, so only a real download is audited."""
    with context.work(actor) as uow:
        return audit.export_audit_csv(uow, filters)


newer_col, older_col, _, download_col = st.columns([1, 1, 2, 2], vertical_alignment="center")
paging.show(PAGER_KEY, filters, page.older, newer_col, older_col)
download_col.download_button(
    "Download as CSV",
    data=export_csv,
    file_name=f"trustcare-audit-{start or 'start'}-to-{end or 'now'}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    disabled=not page.events.num_rows,
    width="stretch",
)
