"""Sign in with a local account."""

import streamlit as st

from trustcare.errors import ServiceError
from trustcare.services import accounts, demo
from trustcare.ui import state
from trustcare.ui.address import request_source
from trustcare.ui.forms import show_problems
from trustcare.ui.text import escape_markdown

context = state.get_context()
practice = state.current_practice(context)
st.title("Sign in to TrustCare")
if practice:
    st.caption(escape_markdown(practice.name))
if notice := state.signed_out_notice():
    st.warning(notice, icon=":material/timer_off:")

left, right = st.columns([2, 3], gap="large")
with left, st.form("login"):
    email = st.text_input("Email")
    password = st.text_input("Password", type="password", autocomplete="current-password")
    if st.form_submit_button("Sign in", type="primary"):
        try:
            actor = accounts.authenticate(
                context.unscoped_work, email, password, source=request_source(context.settings)
            )
        except ServiceError as error:
            show_problems(error)
        else:
            state.sign_in(context, actor)
            st.rerun()

if practice and practice.is_demo:
    with right:
        st.info("This is the demo practice: every person in it is fictional.")
        st.table(
            [
                {
                    "Email": escape_markdown(login.email),
                    "Password": escape_markdown(login.password),
                    "Role": escape_markdown(login.role),
                }
                for login in demo.DEMO_LOGINS
            ]
        )
