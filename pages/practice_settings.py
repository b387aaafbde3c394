"""Practice admin: links, alerts, email (SMTP), support text, schedules, sign-in, retention."""


import streamlit as st

from trustcare.errors import ServiceError
from trustcare.practice_settings import form_label
from trustcare.schedules import time_zone_names
from trustcare.services import admin
from trustcare.ui import state
from trustcare.ui.forms import show_problems
from trustcare.ui.schedule_form import schedule_inputs
from trustcare.ui.text import escape_markdown

NOTICE_KEY = "practice_settings_notice"
TIME_ZONES = time_zone_names()
context = state.get_context()
actor = state.current_actor(context)

st.title("Practice settings")
if notice := st.session_state.pop(NOTICE_KEY, None):
    st.success(notice)
    # The typed SMTP password is stored now; the field goes back to blank, not to what was typed.
    st.session_state["smtp_password"] = ""
with context.work(actor, read_only=True) as uow:
    view = admin.practice_settings(uow)
current = view.settings
if view.problem:
    st.warning(
        f"The defaults are shown: {escape_markdown(view.problem)}. "
        "Saving this form stores a valid record again."
    )

with st.form("practice_settings"):
    st.subheader("Check-in links")
    link_expiry_days = st.number_input(
        "Days a new check-in link stays valid", 1, 365, current.link_expiry_days
    )

    st.subheader("Alert thresholds")
    left, right = st.columns(2)
    no_checkin_days = left.number_input(
        "Alert after this many days without a check-in", 1, 365, current.alerts.no_checkin_days
    )
    deterioration_rci = left.number_input(
        "Reliable deterioration at a change index of (negative)",
        max_value=0.0,
        value=float(current.alerts.deterioration_rci),
        step=0.01,
    )
    divergence_gap = right.number_input(
        "Partners diverge at a trust-pulse gap of",
        min_value=0.0,
        value=float(current.alerts.divergence_gap),
        step=0.5,
    )
    divergence_overall_gap = right.number_input(
        "Partners diverge at an overall-trust gap of", 0, 10, current.alerts.divergence_overall_gap
    )

    st.subheader("Email for check-in links (SMTP)")
    left, right = st.columns(2)
    smtp_host = left.text_input("Server", current.smtp.host, max_chars=255)
    smtp_port = right.number_input("Port", 1, 65535, current.smtp.port)
    smtp_username = left.text_input("User name", current.smtp.username, max_chars=255)
    smtp_password = right.text_input(
        "Password",
        type="password",
        key="smtp_password",
        placeholder="stored; leave blank to keep it" if view.smtp_password_stored else "",
    )
    smtp_sender = left.text_input("Sender address", current.smtp.sender, max_chars=254)
    smtp_use_tls = right.checkbox("Use STARTTLS", current.smtp.use_tls)
    remove_password = view.smtp_password_stored and right.checkbox("Remove the stored password")

    st.subheader("Support resources")
    support_text = st.text_area(
        "Shown to a client who answers the safety question", current.support_text, height=140
    )
    support_text_es = st.text_area(
        "The same for clients who read Spanish", current.support_text_es, height=140
    )
    base_url = st.text_input(
        "Base URL for links (leave blank to use the server's TRUSTCARE_BASE_URL)",
        current.base_url,
        max_chars=300,
    )

    st.subheader("Check-in schedules and reminders")
    time_zone = st.selectbox(
        "Time zone of the practice",
        TIME_ZONES,
        index=TIME_ZONES.index(current.time_zone) if current.time_zone in TIME_ZONES else None,
        help="Schedules and reminders fire at these local times, across daylight-saving changes.",
    )
    st.caption("The schedule of a couple that has none of its own:")
    checkin_schedule = schedule_inputs(current.checkin_schedule, "practice_schedule")

    st.subheader("Clients' own progress")
    own_progress = st.checkbox(
        "New couples see their own progress on their link (each partner only their own; "
        "you can switch it off per couple)",
        current.own_progress_for_new_couples,
    )

    st.subheader("Sign-in")
    require_two_factor = st.checkbox(
        "Require two-factor sign-in for local accounts (single sign-on uses the provider's)",
        current.require_two_factor,
    )
    left, right = st.columns(2)
    idle_minutes = left.number_input(
        "Sign out after this many idle minutes", 5, 240, current.idle_minutes
    )
    max_login_hours = right.number_input(
        "Sign out after this many hours in any case", 1, 24, current.max_login_hours
    )

    st.subheader("Records retention")
    retention_years = st.number_input(
        "Keep closed couples for this many years, then list them for deletion",
        1,
        30,
        current.retention_years,
    )

    if st.form_submit_button("Save settings", type="primary"):
        values = {
            "link_expiry_days": link_expiry_days,
            "alerts": {
                "no_checkin_days": no_checkin_days,
                "deterioration_rci": deterioration_rci,
                "divergence_gap": divergence_gap,
                "divergence_overall_gap": divergence_overall_gap,
            },
            "smtp": {
                "host": smtp_host,
                "port": smtp_port,
                "username": smtp_username,
                "sender": smtp_sender,
                "use_tls": smtp_use_tls,
            },
            "support_text": support_text,
            "support_text_es": support_text_es,
            "own_progress_for_new_couples": own_progress,
            "base_url": base_url,
            "time_zone": time_zone or "",
            "checkin_schedule": checkin_schedule,
            "require_two_factor": require_two_factor,
            "idle_minutes": idle_minutes,
            "max_login_hours": max_login_hours,
            "retention_years": retention_years,
        }
        try:
            with context.work(actor) as uow:
                changed = admin.save_practice_settings(
                    uow, values, "" if remove_password else (smtp_password or None)
                )
        except ServiceError as error:
            show_problems(error)
        else:
            st.session_state[NOTICE_KEY] = (
                f"Saved: {', '.join(form_label(name) for name in changed)}."
                if changed
                else "Nothing had changed."
            )
            st.rerun()
