"""The couple record's appointment and check-in schedule (on the Details tab): the next session
and its rhythm, the couple's own schedule or the practice default, and per partner what is due,
the last reminder, completion, a stop of reminders and its restart with the partner's agreement.

Times are shown and typed in the practice's time zone; the services store UTC.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from trustcare.context import AppContext
from trustcare.errors import ServiceError
from trustcare.identity import Actor
from trustcare.schedules import RHYTHMS, CheckinSchedule
from trustcare.services import couples, reminders
from trustcare.services.couples import CoupleRecord, CoupleSchedules
from trustcare.services.schedules import DueState
from trustcare.ui.forms import show_problems
from trustcare.ui.schedule_form import schedule_inputs
from trustcare.ui.text import escape_markdown

DEFAULT_CHOICE = "Use the practice default"
OWN_CHOICE = "Its own schedule"
REMINDER_STATUS = {
    "sent": "sent",
    "sending": "being sent",
    "retry": "not sent yet, retrying",
    "failed": "failed",
}
NOTICE_KEY = "couple_schedule_notice"


def local_text(moment: dt.datetime, schedules: CoupleSchedules) -> str:
    """A moment in the practice's words: "Friday 9 May 2026, 14:00"."""
    local = moment.astimezone(schedules.zone)
    return f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"


def show(context: AppContext, actor: Actor, record: CoupleRecord) -> None:
    with context.work(actor, read_only=True) as uow:
        schedules = couples.schedules_of(uow, record)
    if notice := st.session_state.pop(NOTICE_KEY, None):
        st.success(notice)
    _appointment_form(context, actor, record, schedules)
    _schedule_form(context, actor, record, schedules)
    _partner_states(context, actor, record, schedules)


def _appointment_form(
    context: AppContext, actor: Actor, record: CoupleRecord, schedules: CoupleSchedules
) -> None:
    st.subheader("Next session")
    if schedules.upcoming is not None:
        rhythm = RHYTHMS.get(record.session_rhythm, "")
        st.write(f"{local_text(schedules.upcoming, schedules)} · {rhythm}")
    else:
        st.caption("No session planned.")
    stored = record.next_session_at.astimezone(schedules.zone) if record.next_session_at else None
    with st.form(f"appointment_{record.id}"):
        day_col, time_col, rhythm_col = st.columns(3)
        day = day_col.date_input(
            f"Date ({schedules.zone.key})",
            stored.date() if stored else None,
            key=f"appointment_day_{record.id}",
        )
        at = time_col.time_input(
            "Time",
            stored.time().replace(tzinfo=None) if stored else dt.time(17, 0),
            step=dt.timedelta(minutes=15),
            key=f"appointment_time_{record.id}",
        )
        rhythms = list(RHYTHMS)
        rhythm = rhythm_col.selectbox(
            "Rhythm",
            rhythms,
            index=rhythms.index(record.session_rhythm) if record.session_rhythm in RHYTHMS else 0,
            format_func=RHYTHMS.__getitem__,
            key=f"appointment_rhythm_{record.id}",
        )
        if st.form_submit_button("Save next session"):
            try:
                with context.work(actor) as uow:
                    changed = couples.set_appointment(uow, record.id, day, at, rhythm)
            except ServiceError as error:
                show_problems(error)
            else:
                st.session_state[NOTICE_KEY] = (
                    "Next session saved." if changed else "Nothing changed."
                )
                st.rerun()


def _schedule_form(
    context: AppContext, actor: Actor, record: CoupleRecord, schedules: CoupleSchedules
) -> None:
    st.subheader("Check-in schedule")
    own = record.schedule is not None
    current = CheckinSchedule.model_validate(record.schedule) if own else schedules.practice_default
    st.caption(f"Practice default: {schedules.practice_default.describe()}")
    if record.status != "active":
        st.info("The couple is paused or closed: nothing is due and no reminder is sent.")
    with st.form(f"schedule_{record.id}"):
        choice = st.radio(
            "Schedule",
            [DEFAULT_CHOICE, OWN_CHOICE],
            index=1 if own else 0,
            horizontal=True,
            key=f"schedule_choice_{record.id}",
        )
        st.caption("The couple's own schedule (used when it has its own):")
        values = schedule_inputs(current, f"couple_schedule_{record.id}")
        if st.form_submit_button("Save schedule"):
            try:
                with context.work(actor) as uow:
                    changed = couples.set_schedule(
                        uow, record.id, values if choice == OWN_CHOICE else None
                    )
            except ServiceError as error:
                show_problems(error)
            else:
                st.session_state[NOTICE_KEY] = "Schedule saved." if changed else "Nothing changed."
                st.rerun()


def _partner_states(
    context: AppContext, actor: Actor, record: CoupleRecord, schedules: CoupleSchedules
) -> None:
    st.subheader("Check-ins due and reminders")
    for column, state in zip(
        st.columns(max(1, len(schedules.partners))), schedules.partners, strict=False
    ):
        with column.container(border=True):
            _partner_state(context, actor, record, schedules, state)


def _partner_state(
    context: AppContext,
    actor: Actor,
    record: CoupleRecord,
    schedules: CoupleSchedules,
    state: DueState,
) -> None:
    st.markdown(f"**{escape_markdown(state.partner_name)}**")
    st.text(f"Schedule: {state.schedule_text}")
    if not state.schedule.active:
        return
    if state.paused:
        st.text("Paused: nothing is due.")
    elif state.due_by is not None:
        st.text(f"Due by {local_text(state.due_by, schedules)}")
    elif state.open_window is not None:
        st.text("This check-in is done.")
    else:
        st.text("Nothing due now.")
    reminder = state.last_reminder
    if reminder is None:
        st.text("Last reminder: none sent yet")
    else:
        status = REMINDER_STATUS.get(reminder.status, reminder.status)
        when = reminder.sent_at or reminder.next_attempt_at
        st.text(
            f"Last reminder: {status}"
            + (f", {local_text(when, schedules)}" if when and reminder.status == "sent" else "")
        )
        if reminder.status == "failed":
            st.error("The last reminder failed after its last try.", icon=":material/error:")
    st.text(f"Completion (last 8 due): {state.completion.describe()}")
    if state.missed_in_a_row >= 2:
        st.warning(f"{state.missed_in_a_row} due check-ins in a row not done.")
    if not state.reachable_by_email:
        st.warning("Not reachable by email: add an email address as their contact.")
    if state.stopped_at is not None:
        st.info(f"Stopped reminders on {local_text(state.stopped_at, schedules)}.")
        agreed = st.checkbox("The partner agreed", key=f"restart_agreed_{state.partner_id}")
        if st.button("Restart reminders", key=f"restart_{state.partner_id}"):
            try:
                with context.work(actor) as uow:
                    reminders.restart_reminders(uow, record.id, state.partner_id, agreed)
            except ServiceError as error:
                show_problems(error)
            else:
                st.session_state[NOTICE_KEY] = "Reminders restarted."
                st.rerun()
