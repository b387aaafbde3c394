"""First run: create the practice and its admin, or explore a demo practice."""

import streamlit as st

from trustcare.services import accounts, demo
from trustcare.services.errors import ServiceError
from trustcare.ui import state
from trustcare.ui.forms import show_problems

context = state.get_context()
st.title("Welcome to TrustCare")
st.write(
    "TrustCare helps counselors follow couples who are rebuilding trust: a caseload, "
    "session notes, assigned exercises and check-ins from each partner."
)

create, explore = st.columns(2, gap="large")
with create, st.form("create_practice"):
    st.subheader("Create your practice")
    practice_name = st.text_input("Practice name", max_chars=120)
    admin_name = st.text_input("Your name", max_chars=80)
    email = st.text_input("Your email")
    password = st.text_input("Password (at least 10 characters)", type="password")
    if st.form_submit_button("Create practice", type="primary"):
        try:
            actor = accounts.create_practice(
                context.session_factory, practice_name, admin_name, email, password
            )
        except ServiceError as error:
            show_problems(error)
        else:
            state.sign_in(context, actor)
            st.rerun()

with explore:
    st.subheader("Explore a demo practice")
    st.write(
        "A practice with two counselors and twelve fictional couples, so you can look around "
        "before you enter anyone real. You can start a real practice later on a fresh database."
    )
    if st.button("Explore the demo practice"):
        with st.spinner("Creating the demo practice…"):
            demo.seed_demo(context.session_factory)
        st.rerun()
