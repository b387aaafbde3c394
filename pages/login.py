"""Sign in with a local account."""

import streamlit as st

from trustcare.errors import ServiceError
from trustcare.services import accounts, demo
from trustcare.two_factor import SecondFactorRequired, SecondFactorStep
from trustcare.ui import state
from trustcare.ui.address import request_source
from trustcare.ui.forms import show_problems
from trustcare.ui.text import escape_markdown

# A right password for an account with two-factor sign-in: the code step comes next.
SECOND_STEP_KEY = "login_second_step"

context = state.get_context()
practice = state.current_practice(context)
st.title("Sign in to TrustCare")
if practice:
    st.caption(escape_markdown(practice.name))
if notice := state.signed_out_notice():
    st.warning(notice, icon=":material/timer_off:")

left, right = st.columns([2, 3], gap="large")
second_step = st.session_state.get(SECOND_STEP_KEY)
if isinstance(second_step, SecondFactorStep):
    with left, st.form("second_factor"):
        st.write("Enter the 6-digit code from your authenticator app, or a recovery code.")
        code = st.text_input("Code", autocomplete="one-time-code", max_chars=16)
        remember = st.checkbox("Remember this browser for 30 days")
        if st.form_submit_button("Continue", type="primary"):
            try:
                actor = accounts.complete_second_factor(
                    context.unscoped_work,
                    second_step,
                    code,
                    source=request_source(context.settings),
                )
            except accounts.SecondStepExpired as error:
                st.session_state.pop(SECOND_STEP_KEY, None)
                st.error(escape_markdown(str(error)))
            except ServiceError as error:
                show_problems(error)
            else:
                st.session_state.pop(SECOND_STEP_KEY, None)
                state.sign_in(context, actor)
                if remember:
                    state.remember_this_browser(context, actor)
                st.rerun()
    with left:
        if st.button("Use another account", type="tertiary"):
            st.session_state.pop(SECOND_STEP_KEY, None)
            st.rerun()
else:
    with left, st.form("login"):
        email = st.text_input("Email")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        if st.form_submit_button("Sign in", type="primary"):
            try:
                actor = accounts.authenticate(
                    context.unscoped_work,
                    email,
                    password,
                    source=request_source(context.settings),
                    trusted=state.trusted_browser(context),
                )
            except SecondFactorRequired as needed:
                st.session_state[SECOND_STEP_KEY] = needed.step
                st.rerun()
            except ServiceError as error:
                show_problems(error)
            else:
                state.sign_in(context, actor)
                st.rerun()

if practice and practice.is_demo:
    with right:
        st.info("This is the demo practice: every person in it is fictional.")
        # A list, not a table: on a phone a three-column table scrolls sideways, out of reach
        # of a keyboard (axe: scrollable-region-focusable).
        st.markdown(
            "\n".join(
                f"- **{escape_markdown(login.role.capitalize())}**: "
                f"{escape_markdown(login.email)}, password {escape_markdown(login.password)}"
                for login in demo.DEMO_LOGINS
            )
        )
