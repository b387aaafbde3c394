"""A partner's own page, opened from their personal link: exercises and the check-in."""

import uuid

import streamlit as st

from trustcare.errors import LinkNotUsable, ServiceError, StorageUnavailable
from trustcare.links import hash_token
from trustcare.reminder_messages import make_stop_token
from trustcare.services import checkins, links, reminders
from trustcare.ui import state
from trustcare.ui.address import request_source
from trustcare.ui.forms import show_problems
from trustcare.ui.text import escape_markdown

context = state.get_context()
catalog = context.catalog()

if "room" in st.query_params:
    # A one-use code from the counselor's shared screen: it shows nothing private and only
    # lets the partner move their own page onto the phone that scanned it.
    room_token = st.query_params.get("room", "")
    st.title("Check-in")
    try:
        usable = links.room_link_usable(context.unscoped_work, room_token)
    except StorageUnavailable as error:
        st.warning(str(error))
        st.stop()
    if not usable:
        st.info(str(LinkNotUsable()))
        st.stop()
    st.write(
        "This code opens your own check-in page on this phone. Only scan it with your own "
        "phone: the page it opens is private to you."
    )
    if st.button("Yes, this is my own phone", type="primary", width="stretch"):
        try:
            fresh = links.claim_room_link(context.unscoped_work, room_token)
        except ServiceError as error:
            st.info(str(error))
            st.stop()
        st.query_params.clear()
        st.query_params["t"] = fresh
        st.rerun()
    st.caption("Not your phone? Just close this page; nothing has been opened.")
    st.stop()

token = st.query_params.get("t", "")
# What this browser tab last read of the link's page: when the database cannot be reached the
# form is still drawn from it, so typed answers (widget state) are not dropped.
held_key = f"client_page_{hash_token(str(token))[:24]}"
try:
    actor = links.open_link(
        context.unscoped_work,
        token,
        client=request_source(context.settings),
    )
    with context.partner_work(actor) as uow:
        page = checkins.client_page(uow, catalog)
except LinkNotUsable as error:
    st.session_state.pop(held_key, None)
    st.title("Check-in")
    st.info(str(error))
    st.stop()
except StorageUnavailable:
    if held_key not in st.session_state:
        st.title("Check-in")
        st.warning(
            "We cannot reach our records just now, so your page cannot open. "
            "Please try again in a minute."
        )
        st.stop()
    actor, page = st.session_state[held_key]
    st.warning(
        "We cannot reach our records just now. Your answers stay on this page while it is "
        "open; send them again in a minute."
    )
else:
    st.session_state[held_key] = (actor, page)
name = escape_markdown(page.partner_name)
confirmed_key = f"confirmed_{actor.partner_id}"

st.title(f"Hello, {name}")
if not st.session_state.get(confirmed_key):
    st.write(
        f"This page belongs to **{name}**. Phones get shared, so please check: are you {name}?"
    )
    yes, no = st.columns(2)
    if yes.button(f"Yes, I am {name}", type="primary", width="stretch"):
        st.session_state[confirmed_key] = True
        st.rerun()
    if no.button("No, this is not me", width="stretch"):
        st.session_state[confirmed_key] = False
        st.session_state[f"declined_{actor.partner_id}"] = True
    if st.session_state.get(f"declined_{actor.partner_id}"):
        st.warning(
            "Thank you. Please close this page: it is someone else's. "
            "Your counselor can send you your own link."
        )
    st.stop()

receipt = st.session_state.pop("checkin_receipt", None)
if receipt is not None:
    st.success("Thank you. Your check-in is saved.")
    if receipt.safety_flag:
        st.warning("You told us you may not be safe. Here is where to get help now:")
        st.text(receipt.support_text)

if notice := st.session_state.pop("reminders_notice", None):
    st.success(notice)
if page.due_text:
    st.info(page.due_text, icon=":material/event:")
if page.has_schedule and not page.reminders_stopped:
    if st.button("Stop reminder emails", key="stop_reminders"):
        # The same stop as the link in a reminder email; your counselor sees it on your record.
        stopped = reminders.stop_reminders(
            context.unscoped_work,
            context.settings.secret_key,
            make_stop_token(context.settings.secret_key, actor.partner_id),
        )
        st.session_state["reminders_notice"] = (
            "Reminder emails are stopped. Your counselor will see this and can restart them "
            "if you ask."
            if stopped
            else "That did not work; please try again."
        )
        st.rerun()
elif page.reminders_stopped:
    st.caption("You stopped reminder emails. Ask your counselor if you want them back.")

exercises_tab, checkin_tab = st.tabs(["Your exercises", "Check-in"])

with exercises_tab:
    if not page.assignments:
        st.info("Your counselor has not given you any exercises right now.")
    for assignment in page.assignments:
        with st.container(border=True):
            st.subheader(escape_markdown(assignment.title))
            if assignment.due_on:
                st.caption(f"Please try to finish by {assignment.due_on:%A %d %B}.")
            if assignment.note_to_client:
                st.caption("A note from your counselor:")
                st.text(assignment.note_to_client)
            with st.expander("About this module"):
                st.markdown(assignment.client_markdown)
            for exercise in assignment.exercises:
                done = "Done: " if exercise.done else ""
                kind = "In session" if exercise.kind == "in-session" else "At home"
                with st.expander(
                    f"{done}{escape_markdown(exercise.title)} · {kind} · {exercise.minutes} min",
                    icon=":material/check_circle:" if exercise.done else None,
                ):
                    st.markdown(
                        "\n".join(f"{n}. {step}" for n, step in enumerate(exercise.steps, 1))
                    )
                    form_key = f"exercise_{assignment.id}_{exercise.id}"
                    with st.form(form_key):
                        for prompt in exercise.reflection_prompts:
                            st.caption(prompt)
                        reflection = st.text_area(
                            "Your reflection (optional)",
                            value=exercise.reflection,
                        )
                        share = st.checkbox(
                            "Share this reflection in our joint sessions",
                            value=exercise.reflection_shared,
                            help="If you leave this off, only your counselor reads it.",
                        )
                        label = "Save reflection" if exercise.done else "Mark as done"
                        if st.form_submit_button(label, type="primary"):
                            try:
                                with context.partner_work(actor) as uow:
                                    checkins.mark_exercise_done(
                                        uow, catalog, assignment.id, exercise.id, reflection, share
                                    )
                            except ServiceError as error:
                                show_problems(error)
                            else:
                                st.rerun()

with checkin_tab:
    measure = page.measure
    form_number = st.session_state.setdefault("checkin_form_number", 0)
    idempotency_key = st.session_state.setdefault("checkin_key", uuid.uuid4().hex)
    st.caption(
        f"{measure.title}: a short check-in written for TrustCare. It is not a validated test; "
        "it helps you and your counselor see how things are going."
    )
    st.caption(
        "Your answers are kept only while this page stays open: reloading or closing it "
        "clears them, so please send the check-in in one go."
    )
    widget = f"{held_key}_{form_number}"
    with st.form(f"checkin_{form_number}"):
        answers: dict[str, int | None] = {}
        consent = None
        for item in measure.items:
            scale = measure.scale_of(item.id)
            if scale is None or item.safety:
                continue
            options = list(range(scale.min, scale.max + 1))
            anchors = scale.anchors
            if len(options) > 5:
                st.caption(" · ".join(f"{value} = {label}" for value, label in anchors.items()))
            labelled = len(anchors) == len(options)
            if item.id in measure.required_items:
                st.caption("Please answer this one; you may skip any question not marked so.")
            answers[item.id] = st.radio(
                item.text,
                options,
                index=None,
                horizontal=True,
                format_func=lambda v, a=anchors, named=labelled: a[v] if named else str(v),
                key=f"{widget}_{item.id}",
            )
        st.divider()
        for item_id in measure.safety_items:
            item = measure.item(item_id)
            st.caption(
                "This question is private: only your counselor will see your answer."
                + (" Please answer it." if item_id in measure.required_items else "")
            )
            safety = st.radio(
                item.text, ["No", "Yes"], index=None, horizontal=True, key=f"{widget}_{item.id}"
            )
            answers[item.id] = None if safety is None else int(safety == "Yes")
        reflection = st.text_area(
            "Anything you want your counselor to know? (optional)",
            key=f"{widget}_reflection",
        )
        share_reflection = st.checkbox(
            "Share this note in our joint sessions", key=f"{widget}_share"
        )
        if page.share_scores is None:
            consent = st.radio(
                "May your counselor show your scores to both of you in joint sessions?",
                ["Yes, show my scores", "No, keep my scores between me and my counselor"],
                index=None,
            )
        submitted = st.form_submit_button("Send check-in", type="primary", width="stretch")
    if submitted:
        unanswered = checkins.missing_required(measure, answers)
        if page.share_scores is None and consent is None:
            unanswered.append("May your counselor show your scores to both of you?")
            st.error(
                "Please answer the question about showing your scores in joint sessions. "
                "Nothing was sent yet. Still to answer:\n"
                + "\n".join(f"- {text}" for text in unanswered)
            )
        else:
            share_scores = None if consent is None else consent.startswith("Yes")
            try:
                with context.partner_work(actor) as uow:
                    result = checkins.submit_checkin(
                        uow,
                        catalog,
                        answers,
                        reflection,
                        share_reflection,
                        share_scores,
                        idempotency_key,
                    )
            except ServiceError as error:
                show_problems(error)
            else:
                st.session_state["checkin_receipt"] = result
                st.session_state["checkin_key"] = uuid.uuid4().hex
                st.session_state["checkin_form_number"] = form_number + 1
                st.rerun()
    if page.share_scores is not None:
        with st.expander("Sharing my scores in joint sessions"):
            choice = st.toggle(
                "Show my scores to both of us in joint sessions", value=page.share_scores
            )
            if choice != page.share_scores:
                try:
                    with context.partner_work(actor) as uow:
                        checkins.set_consent(uow, choice)
                except ServiceError as error:
                    show_problems(error)
                else:
                    st.rerun()
