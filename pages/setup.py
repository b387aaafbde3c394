"""First run: create the practice and its admin, or explore a demo practice."""

import streamlit as st

from trustcare.errors import ServiceError
from trustcare.services import accounts, demo
from trustcare.ui import state
from trustcare.ui.forms import OneUseForm

context = state.get_context()
st.title("Welcome to TrustCare")
st.write(
    "TrustCare helps counselors follow couples who are rebuilding trust: a caseload, "
    "session notes, assigned exercises and check-ins from each partner."
)


def _create_practice(submission: str) -> None:
    """A button callback: its submission key was fixed when the button was drawn, so a double
    click creates one practice and signs its admin in once."""
    values = form.values("practice", "name", "email", "password")
    try:
        actor = accounts.create_practice(
            context.unscoped_work,
            values["practice"] or "",
            values["name"] or "",
            values["email"] or "",
            values["password"] or "",
            submission=submission,
        )
    except ServiceError as error:
        form.refused(error)
    else:
        form.saved(submission, "Your practice is ready.")
        state.sign_in(context, actor)


form = OneUseForm("create_practice")
create, explore = st.columns(2, gap="large")
with create, st.form("create_practice"):
    st.subheader("Create your practice")
    st.text_input("Practice name", key=form.key("practice"))
    st.text_input("Your name", key=form.key("name"))
    st.text_input("Your email", key=form.key("email"))
    st.text_input(
        "Password (at least 10 characters)",
        type="password",
        autocomplete="new-password",
        key=form.key("password"),
    )
    st.form_submit_button(
        "Create practice", type="primary", on_click=_create_practice, args=(form.submission,)
    )
    form.show_problem()

with explore:
    st.subheader("Explore a demo practice")
    st.write(
        "A practice with two counselors and twelve fictional couples, so you can look around "
        "before you enter anyone real. You can start a real practice later on a fresh database."
    )
    if st.button("Explore the demo practice"):
        with st.spinner("Creating the demo practice…"):
            demo.seed_demo(context.unscoped_work)
        st.rerun()
