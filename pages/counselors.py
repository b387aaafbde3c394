"""Practice admin: the practice's counselors, and adding one with a local password."""

import pandas as pd
import streamlit as st

from trustcare.services import accounts
from trustcare.services.errors import ServiceError
from trustcare.ui import state
from trustcare.ui.forms import show_problems

context = state.get_context()
actor = state.current_actor(context)

st.title("Counselors")
with context.work(actor) as uow:
    people = accounts.list_counselors(uow)
st.dataframe(pd.DataFrame(people), hide_index=True, width="stretch")

with st.form("add_counselor"):
    st.subheader("Add a counselor")
    name = st.text_input("Name", max_chars=80)
    email = st.text_input("Email")
    password = st.text_input("First password (at least 10 characters)", type="password")
    role = st.selectbox("Role", ["counselor", "admin"], format_func=str.capitalize)
    if st.form_submit_button("Add counselor", type="primary"):
        try:
            with context.work(actor) as uow:
                accounts.add_counselor(uow, name, email, password, role)
        except ServiceError as error:
            show_problems(error)
        else:
            st.success("Counselor added. Share the first password with them in person.")
