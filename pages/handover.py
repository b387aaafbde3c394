"""Practice admin: find couples by label or counselor (label, counselor and status only); hand a
couple over; break-glass reading; delete a couple for good (two steps, the label typed), and the
closed couples past the practice's retention period."""

import pyarrow as pa
import streamlit as st

from trustcare.errors import CoupleNotFound, ServiceError
from trustcare.services import admin, retention
from trustcare.ui import state
from trustcare.ui.forms import show_problems
from trustcare.ui.text import escape_markdown

NOTICE_KEY = "handover_notice"
# The couple the admin asked to delete (id, label, counselor), until confirmed or cancelled.
PENDING_DELETE_KEY = "handover_delete_pending"
TYPED_LABEL_KEY = "handover_delete_typed_label"
context = state.get_context()
actor = state.current_actor(context)

st.title("Couples and hand-over")
st.caption(
    "Admins see each couple's label, counselor and status here, never notes or check-ins. "
    "Reading a record outside your own caseload is a break-glass action (below)."
)
if notice := st.session_state.pop(NOTICE_KEY, None):
    st.success(notice)

search = st.text_input(
    "Find a couple by label or counselor",
    key="handover_search",
    placeholder="Part of a couple's label or a counselor's name",
)
with context.work(actor, read_only=True) as uow:
    view = admin.handover_view(uow, search)
rows = view.rows
if not rows:
    st.info(
        "No couple's label or counselor matches this search."
        if view.searched
        else "The practice has no couples yet."
    )
    st.stop()

st.dataframe(
    pa.table(
        {
            "Couple": [row.label for row in rows],
            "Counselor": [row.counselor for row in rows],
            "Status": [row.status.capitalize() for row in rows],
        }
    ),
    hide_index=True,
    # An empty cell for a missing value, not the word "None".
    placeholder="",
    width="stretch",
)
st.caption(
    f"The first {len(rows)} matching couples by label; narrow the search to find others."
    if view.more
    else f"{len(rows)} couple(s) by label."
)
by_couple = {row.couple_id: row for row in rows}


def couple_name(couple_id: int) -> str:
    return f"{by_couple[couple_id].label} ({by_couple[couple_id].counselor})"


st.subheader("Hand a couple over")
active = {counselor.id: counselor.name for counselor in view.counselors if counselor.active}
with st.form("handover"):
    couple_id = st.selectbox("Couple", list(by_couple), format_func=couple_name)
    to_counselor = st.selectbox("To counselor", list(active), format_func=active.get)
    takeover_reason = st.text_area(
        "Reason, when you take a couple into your own caseload",
        help="Taking a couple yourself opens their whole record to you: it is a break-glass "
        "action, and your reason goes into the audit trail.",
    )
    if st.form_submit_button("Hand over", type="primary"):
        try:
            with context.work(actor) as uow:
                admin.hand_over_couple(uow, couple_id, to_counselor, takeover_reason)
        except ServiceError as error:
            show_problems(error)
        else:
            st.session_state[NOTICE_KEY] = (
                f"{escape_markdown(by_couple[couple_id].label)} is now in "
                f"{escape_markdown(active[to_counselor])}'s caseload."
            )
            st.rerun()

st.subheader("Read a couple's record (break-glass)")
st.write(
    "Only when a couple's safety or care cannot wait for their counselor. Your name, the time "
    "and your reason go into the audit trail, which every admin can read. The record is shown "
    "once, read-only."
)
others = [row.couple_id for row in rows if row.counselor_id != actor.counselor_id]
read = False
if not others:
    st.info("Every couple listed is in your own caseload; open them from the caseload.")
else:
    with st.form("break_glass", clear_on_submit=True):
        glass_couple = st.selectbox("Couple", others, format_func=couple_name)
        reason = st.text_area("Why do you need to read this record?")
        read = st.form_submit_button("Read the record", icon=":material/lock_open:")

if read:
    try:
        with context.work(actor) as uow:
            record = admin.read_record_break_glass(uow, glass_couple, reason)
    except ServiceError as error:
        show_problems(error)
    else:
        with st.container(border=True):
            st.subheader("Record, read-only")
            st.text(f"Couple: {record.label}")
            st.caption(
                f"Status: {record.status.capitalize()} · {len(record.sessions)} session(s) · "
                f"counselor: {escape_markdown(by_couple[record.id].counselor)}"
            )
            for column, partner in zip(st.columns(2), record.partners, strict=True):
                column.text(f"Partner {partner.position}: {partner.display_name}")
                column.text(f"Contact: {partner.contact or 'none given'}")
            for session in record.sessions:
                st.markdown(f"**Session {session.number} · {session.held_on:%Y-%m-%d}**")
                st.text(session.notes or "(no notes)")


def ask_to_delete(couple_id: int, label: str, counselor: str, section: str) -> None:
    """Step one: remember which couple (and under which section to ask); a second click on
    the same button changes nothing."""
    st.session_state[PENDING_DELETE_KEY] = (couple_id, label, counselor, section)


def confirm_here(section: str) -> None:
    """The confirmation, under the section whose button asked for it."""
    pending = st.session_state.get(PENDING_DELETE_KEY)
    if isinstance(pending, tuple) and pending[3] == section:
        confirm_deletion()


def confirm_deletion() -> None:
    """Step two: the label typed exactly as shown, then the couple and all of theirs go."""
    couple_id, label, counselor, _section = st.session_state[PENDING_DELETE_KEY]
    with st.container(border=True):
        st.warning(
            f"Deleting **{escape_markdown(label)}** ({escape_markdown(counselor)}) removes the "
            "couple, both partners, every session, check-in, assignment and reflection, their "
            "check-in links and reminders, for good. It cannot be undone. The audit trail keeps "
            "that a couple was deleted, never its label or anything clinical.",
            icon=":material/delete_forever:",
        )
        st.text_input("Type the couple's label to confirm", key=TYPED_LABEL_KEY)
        confirm, cancel = st.columns(2)
        if cancel.button("Cancel", key="handover_delete_cancel"):
            st.session_state.pop(PENDING_DELETE_KEY, None)
            st.session_state.pop(TYPED_LABEL_KEY, None)
            st.rerun()
        if confirm.button("Delete for good", type="primary", key="handover_delete_confirm"):
            try:
                with context.work(actor) as uow:
                    admin.delete_couple(uow, couple_id, st.session_state.get(TYPED_LABEL_KEY, ""))
            except CoupleNotFound:
                # A second click (or another admin) got there first: it is gone either way.
                finished = f"{escape_markdown(label)} was already deleted."
            except ServiceError as error:
                show_problems(error)
                return
            else:
                finished = f"{escape_markdown(label)} and all their records were deleted."
            st.session_state.pop(PENDING_DELETE_KEY, None)
            st.session_state.pop(TYPED_LABEL_KEY, None)
            st.session_state[NOTICE_KEY] = finished
            st.rerun()


st.subheader("Delete a couple")
st.write(
    "For a couple who asked to be forgotten, or whose records are past the retention period. "
    "Closing a couple keeps their history; deleting removes it from the database."
)
delete_couple_id = st.selectbox(
    "Couple to delete", list(by_couple), format_func=couple_name, key="handover_delete_couple"
)
st.button(
    "Delete this couple…",
    icon=":material/delete:",
    key="handover_delete_ask",
    on_click=ask_to_delete,
    args=(
        delete_couple_id,
        by_couple[delete_couple_id].label,
        by_couple[delete_couple_id].counselor,
        "handover",
    ),
)
confirm_here("handover")

st.subheader("Past the retention period")
with context.work(actor, read_only=True) as uow:
    past = retention.past_retention(uow)
st.caption(
    f"Closed couples whose closing was more than {past.years} year(s) ago (the practice "
    "setting), longest closed first. Delete them one by one; `trustcare couples purge` "
    "deletes them all from the command line."
)
if not past.rows:
    st.info("No closed couple is past the retention period.")
else:
    st.dataframe(
        pa.table(
            {
                "Couple": [row.label for row in past.rows],
                "Closed on": [row.closed_on for row in past.rows],
                "Counselor": [row.counselor for row in past.rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if past.more:
        st.caption(f"The first {len(past.rows)}; delete these to see the rest.")
    expired = {row.couple_id: row for row in past.rows}
    expired_id = st.selectbox(
        "Couple past retention",
        list(expired),
        format_func=lambda cid: f"{expired[cid].label} (closed {expired[cid].closed_on})",
        key="handover_retention_couple",
    )
    st.button(
        "Delete this couple…",
        icon=":material/delete:",
        key="handover_retention_ask",
        on_click=ask_to_delete,
        args=(expired_id, expired[expired_id].label, expired[expired_id].counselor, "retention"),
    )
    confirm_here("retention")
