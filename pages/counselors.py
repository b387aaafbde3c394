"""Practice admin: the practice's counselors; add, deactivate, reactivate, reset a password."""

import pyarrow as pa
import streamlit as st

from trustcare.errors import ServiceError
from trustcare.services import accounts, admin
from trustcare.ui import state
from trustcare.ui.forms import OneUseForm, show_problems
from trustcare.ui.text import escape_markdown

NOTICE_KEY = "counselors_notice"
context = state.get_context()
actor = state.current_actor(context)
sign_on = context.settings.auth_configured


def done(message: str) -> None:
    """Show the message after a rerun, so the table above already shows the change."""
    st.session_state[NOTICE_KEY] = message
    st.rerun()


st.title("Counselors")
if sign_on:
    st.caption(
        "Sign-in: single sign-on through the practice's identity provider. Local passwords are off."
    )
else:
    st.caption("Sign-in: local accounts with passwords. Single sign-on is not configured.")
if notice := st.session_state.pop(NOTICE_KEY, None):
    st.success(notice)

with context.work(actor, read_only=True) as uow:
    roster = admin.counselor_roster(uow)
    with_two_factor = set() if sign_on else admin.with_two_factor(uow)
st.dataframe(
    pa.table(
        {
            "Name": [row.name for row in roster],
            "Email": [row.email for row in roster],
            "Role": [row.role.capitalize() for row in roster],
            "Active": [row.active for row in roster],
            "Signs in with": [row.sign_in for row in roster],
            "Couples": [row.couples for row in roster],
        }
    ),
    hide_index=True,
    # An empty cell for a missing value, not the word "None".
    placeholder="",
    width="stretch",
)


def _add_counselor(submission: str) -> None:
    """A button callback with the form's one-use key fixed when it was drawn: a double click
    adds one counselor. A refused form keeps what was typed."""
    values = add_form.values("name", "email", "role", "kind", "password")
    local = values["kind"] == "local password"
    try:
        with context.work(actor) as uow:
            accounts.add_counselor(
                uow,
                values["name"] or "",
                values["email"] or "",
                (values["password"] or "") if local else None,
                values["role"] or "counselor",
                submission=submission,
            )
    except ServiceError as error:
        add_form.refused(error)
    else:
        added = escape_markdown((values["name"] or "").strip())
        add_form.saved(
            submission,
            f"{added} added. Share the first password with them in person."
            if local
            else f"{added} added. They sign in with their practice account.",
        )


add_form = OneUseForm("add_counselor")
with st.expander("Add a counselor", expanded=len(roster) == 1):
    add_form.show_confirmation()
    with st.form("add_counselor"):
        st.text_input("Name", key=add_form.key("name"))
        st.text_input("Email (the address they sign in with)", key=add_form.key("email"))
        st.selectbox(
            "Role", ["counselor", "admin"], format_func=str.capitalize, key=add_form.key("role")
        )
        st.radio(
            "Signs in with",
            ["single sign-on", "local password"],
            index=0 if sign_on else 1,
            horizontal=True,
            key=add_form.key("kind"),
        )
        st.text_input(
            "First password (local password only; at least 10 characters)",
            type="password",
            autocomplete="new-password",
            key=add_form.key("password"),
        )
        st.form_submit_button(
            "Add counselor", type="primary", on_click=_add_counselor, args=(add_form.submission,)
        )
        add_form.show_problem()

st.subheader("Manage a counselor")
by_id = {row.id: row for row in roster}
chosen = st.selectbox(
    "Counselor",
    list(by_id),
    format_func=lambda counselor_id: f"{by_id[counselor_id].name} ({by_id[counselor_id].email})",
)
person = by_id[chosen]
shown_name = escape_markdown(person.name)
status_col, password_col = st.columns(2, gap="large")

with status_col:
    st.write(f"**{shown_name}** is {'active' if person.active else 'deactivated'}.")
    try:
        if person.active and st.button("Deactivate", help="Ends their open logins at once."):
            with context.work(actor) as uow:
                remaining = admin.deactivate_counselor(uow, person.id)
            done(
                f"{shown_name} is deactivated. {remaining} open couple(s) remain in their "
                "caseload: hand them over on the hand-over page."
            )
        if not person.active and st.button("Reactivate"):
            with context.work(actor) as uow:
                admin.reactivate_counselor(uow, person.id)
            done(f"{shown_name} can sign in again.")
        if person.sign_on_linked and st.button(
            "Forget the linked sign-on identity",
            help="For an account recreated at the identity provider: the next sign-on links "
            "again by email.",
        ):
            with context.work(actor) as uow:
                admin.forget_sign_on(uow, person.id)
            done(f"{shown_name}'s next sign-on will link again by email.")
        if person.id in with_two_factor and st.button(
            "Reset two-factor sign-in",
            help="For a lost phone: removes their authenticator and recovery codes and ends "
            "their open logins; they set it up again after signing in with their password.",
        ):
            with context.work(actor) as uow:
                admin.reset_two_factor(uow, person.id)
            done(f"{shown_name}'s two-factor sign-in is reset.")
    except ServiceError as error:
        show_problems(error)

with password_col, st.form("reset_password", clear_on_submit=True):
    new_password = st.text_input("New local password (at least 10 characters)", type="password")
    if st.form_submit_button("Reset password", help="Ends their open logins at once."):
        try:
            with context.work(actor) as uow:
                admin.reset_password(uow, person.id, new_password)
        except ServiceError as error:
            show_problems(error)
        else:
            done(f"{shown_name}'s password is reset. Share it with them in person.")
