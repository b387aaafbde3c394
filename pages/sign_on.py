"""Sign in through the practice's identity provider, or learn why that identity was refused."""

import streamlit as st

from trustcare.ui import state
from trustcare.ui.text import escape_markdown

context = state.get_context()
practice = state.current_practice(context)
refusal = state.sign_on_refusal()


def sign_in_buttons() -> None:
    for provider in context.settings.sign_on_providers:
        label = (
            "Sign in with your practice account"
            if provider == "default"
            else f"Sign in with {provider.capitalize()}"
        )
        if st.button(label, type="primary", icon=":material/login:", key=f"sign_on_{provider}"):
            st.login(provider)


st.title("Sign in to TrustCare")
if practice:
    st.caption(escape_markdown(practice.name))

if refusal is None:
    st.write("Your practice signs you in through its own accounts; no separate password is needed.")
    sign_in_buttons()
else:
    message, may_sign_in_again = refusal
    if may_sign_in_again:
        st.info(message)
        sign_in_buttons()
    else:
        st.warning(message)
        if st.user.get("email"):
            st.text(f"You signed in as: {st.user.get('email')}")
        if st.button("Sign out", icon=":material/logout:"):
            state.sign_out(context)
            st.stop()
