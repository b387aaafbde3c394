"""In-room entry: the counselor turns the screen to one partner, who has no phone with them,
and that partner fills in their own check-in or session feedback on it.

The screen then shows that partner's form only, in their language: nothing of the other
partner, no notes, no alerts, no menu (app.py draws no sidebar here). The stored row says the
counselor entered it for the partner. The safety question is asked as on the partner's link.
"""

import uuid

import streamlit as st

from trustcare import i18n
from trustcare.errors import NotFound, ServiceError
from trustcare.services import checkins, session_feedback
from trustcare.ui import client_forms, page_language, state
from trustcare.ui.text import escape_markdown

context = state.get_context()
actor = state.current_actor(context)
catalog = context.catalog()


def _number(name: str) -> int:
    try:
        return int(st.query_params.get(name, ""))
    except ValueError:
        return 0


couple_id, partner_id = _number("couple"), _number("partner")
# Only these two forms exist; anything else in the address is the check-in, said as such.
form = "feedback" if st.query_params.get("form") == "feedback" else "checkin"
# Each "Start" on the couple record is a new visit (`visit` in the address), so a visit left
# half-way, or one that ended with a safety answer, never reopens as the next one.
started = str(st.query_params.get("visit", ""))[:32]
try:
    with context.work(actor, read_only=True) as uow:
        partner = checkins.room_partner(uow, catalog, couple_id, partner_id)
except NotFound:
    st.title("In-room entry")
    st.warning("That partner was not found in your caseload.")
    st.page_link("pages/caseload.py", label="Back to the caseload", icon=":material/arrow_back:")
    st.stop()

_ = i18n.gettext_for(partner.language)
page_language.set_to(partner.language)
name = escape_markdown(partner.name)
# One key per visit and form: the form's own state, and its one-use submission key.
visit = f"room_{couple_id}_{partner_id}_{form}_{started}"
stage = st.session_state.setdefault(f"{visit}_stage", "hand-over")


def back_to_record() -> None:
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(visit)]:
        del st.session_state[key]
    st.switch_page("pages/couple.py", query_params={"couple": couple_id})


if stage == "hand-over":
    # Still facing the counselor: say what the partner will and will not see.
    st.title(f"In-room entry for {name}")
    what = "their check-in" if form == "checkin" else "their feedback on a session"
    st.write(
        f"Turn the screen to **{name}** for {what}. While it faces them, this screen shows only "
        f"{name}'s own form, in their language: nothing of their partner, no notes, no alerts "
        "and no menu. The entry is stored as entered by you for them."
    )
    if form == "feedback" and not partner.sessions_to_review:
        st.info(f"{name} has given feedback on every logged session.")
    start, cancel = st.columns(2)
    if start.button(
        "Turn the screen to the partner",
        type="primary",
        disabled=form == "feedback" and not partner.sessions_to_review,
    ):
        st.session_state[f"{visit}_stage"] = "form"
        st.session_state[f"{visit}_key"] = uuid.uuid4().hex
        st.rerun()
    if cancel.button("Back to the couple record"):
        back_to_record()
    st.stop()

if stage == "done":
    st.title(_("Thank you, {name}").format(name=name))
    st.success(_("Your answers are saved. Please hand the screen back to your counselor."))
    if st.session_state.get(f"{visit}_safety"):
        client_forms.safety_message(_, partner.support_text)
    if st.button("Counselor: back to the couple record", type="primary"):
        back_to_record()
    st.stop()

idempotency_key = st.session_state[f"{visit}_key"]
if form == "feedback":
    asked = partner.sessions_to_review[0] if partner.sessions_to_review else None
    if asked is None or partner.feedback_measure is None:
        back_to_record()
        st.stop()
    st.title(_("Your session on {day}").format(day=i18n.day(asked.held_on, partner.language)))
    st.caption(
        _(
            "A few questions about this session. Only your counselor sees your answers: "
            "your partner does not, and they are never shown on the shared screen."
        )
    )
    sent = client_forms.feedback_form(
        partner.feedback_measure, _, f"{visit}_widgets", f"{visit}_form"
    )
    if sent is not None:
        unanswered = checkins.missing_required(partner.feedback_measure, sent.answers)
        try:
            with context.work(actor) as uow:
                session_feedback.enter_feedback(
                    uow,
                    catalog,
                    couple_id,
                    partner_id,
                    asked.session_id,
                    sent.answers,
                    sent.comment,
                    idempotency_key,
                )
        except ServiceError as error:
            client_forms.show_problem(error, _, unanswered)
        else:
            st.session_state[f"{visit}_stage"] = "done"
            st.rerun()
else:
    st.title(_("Hello, {name}").format(name=name))
    st.caption(
        _(
            "{title}: a short check-in written for TrustCare. It is not a validated test; "
            "it helps you and your counselor see how things are going."
        ).format(title=partner.measure.title)
    )
    sent = client_forms.checkin_form(
        partner.measure,
        _,
        f"{visit}_widgets",
        f"{visit}_form",
        ask_consent=partner.share_scores is None,
    )
    if sent is not None:
        unanswered = checkins.missing_required(partner.measure, sent.answers)
        if sent.consent_missing:
            client_forms.show_unanswered(
                _, [*unanswered, _("May your counselor show your scores to both of you?")]
            )
        else:
            try:
                with context.work(actor) as uow:
                    receipt = checkins.enter_checkin(
                        uow,
                        catalog,
                        couple_id,
                        partner_id,
                        sent.answers,
                        sent.reflection,
                        sent.share_reflection,
                        sent.share_scores,
                        idempotency_key,
                    )
            except ServiceError as error:
                client_forms.show_problem(error, _, unanswered)
            else:
                st.session_state[f"{visit}_stage"] = "done"
                st.session_state[f"{visit}_safety"] = bool(receipt.safety_flag)
                st.rerun()
