"""TrustCare's router: settings, who is acting, and the pages that identity may see."""

import logging

import streamlit as st

from trustcare.db import DatabaseError
from trustcare.services import accounts
from trustcare.settings import SettingsError
from trustcare.ui import state

log = logging.getLogger("trustcare.app")

st.set_page_config(page_title="TrustCare", page_icon=":material/handshake:", layout="wide")

try:
    context = state.get_context()
except (DatabaseError, SettingsError) as error:
    log.error("TrustCare cannot start: %s", error)
    st.title("TrustCare cannot start")
    st.error(f"{error}")
    st.info("Fix the configuration named above (see README, Configuration), then reload.")
    st.stop()

practice = accounts.current_practice(context.session_factory)

actor = state.current_actor(context) if practice else None
state.deliver_login_cookie()

if practice is None:
    pages = [st.Page("pages/setup.py", title="Set up TrustCare", icon=":material/rocket_launch:")]
elif actor is None:
    pages = [st.Page("pages/login.py", title="Sign in", icon=":material/login:")]
else:
    pages = [
        st.Page("pages/caseload.py", title="Caseload", icon=":material/groups:", default=True),
        st.Page(
            "pages/couple.py",
            title="Couple record",
            icon=":material/diversity_1:",
            visibility="hidden",
        ),
    ]
    if actor.is_admin:
        pages.append(st.Page("pages/counselors.py", title="Counselors", icon=":material/badge:"))
    with st.sidebar:
        st.caption(f"{practice[1]}")
        st.write(f"Signed in as **{actor.display_name}**")
        if st.button("Sign out", icon=":material/logout:"):
            state.sign_out()
            st.stop()

st.navigation(pages).run()
