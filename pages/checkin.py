"""A partner's own page, opened from their personal link: exercises, the check-in, feedback on
the last session and their own progress, all in the partner's language."""

import uuid

import streamlit as st

from trustcare import i18n
from trustcare.errors import LinkNotUsable, ServiceError, StorageUnavailable
from trustcare.languages import LANGUAGE_NAMES, LANGUAGES
from trustcare.links import hash_token
from trustcare.reminder_messages import make_stop_token
from trustcare.services import checkins, links, partner_page, reminders, session_feedback
from trustcare.ui import client_forms, own_progress_view, page_language, state
from trustcare.ui.address import request_source
from trustcare.ui.text import escape_markdown

context = state.get_context()
catalog = context.catalog()


def link_no_longer_works() -> None:
    """Said when a link does not open: whose it was is unknown, so in every language."""
    st.info(
        i18n.in_every_language(
            "This link no longer works. Please ask your counselor for a new one."
        )
    )
    st.stop()


def records_out_of_reach() -> None:
    st.warning(
        i18n.in_every_language(
            "We cannot reach our records just now, so your page cannot open. "
            "Please try again in a minute."
        )
    )
    st.stop()


if "room" in st.query_params:
    # A one-use code from the counselor's shared screen: it shows nothing private and only
    # lets the partner move their own page onto the phone that scanned it. Whose it is (and
    # so their language) is not known until it is claimed: every language is shown.
    room_token = st.query_params.get("room", "")
    st.title(i18n.in_every_language("Check-in", " · "))
    try:
        usable = links.room_link_usable(context.unscoped_work, room_token)
    except StorageUnavailable:
        records_out_of_reach()
    if not usable:
        link_no_longer_works()
    st.write(
        i18n.in_every_language(
            "This code opens your own check-in page on this phone. Only scan it with your own "
            "phone: the page it opens is private to you."
        )
    )
    if st.button(
        i18n.in_every_language("Yes, this is my own phone", " / "), type="primary", width="stretch"
    ):
        try:
            fresh = links.claim_room_link(context.unscoped_work, room_token)
        except ServiceError:
            link_no_longer_works()
        st.query_params.clear()
        st.query_params["t"] = fresh
        st.rerun()
    st.caption(
        i18n.in_every_language("Not your phone? Just close this page; nothing has been opened.")
    )
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
        shown = partner_page.partner_page(
            uow, catalog, with_progress=bool(st.session_state.get(f"confirmed_{actor.partner_id}"))
        )
except LinkNotUsable:
    st.session_state.pop(held_key, None)
    st.title(i18n.in_every_language("Check-in", " · "))
    link_no_longer_works()
except StorageUnavailable:
    if held_key not in st.session_state:
        st.title(i18n.in_every_language("Check-in", " · "))
        records_out_of_reach()
    actor, shown = st.session_state[held_key]
    st.warning(
        i18n.gettext_for(shown.page.language)(
            "We cannot reach our records just now. Your answers stay on this page while it is "
            "open; send them again in a minute."
        )
    )
else:
    st.session_state[held_key] = (actor, shown)
page = shown.page
_ = i18n.gettext_for(page.language)
page_language.set_to(page.language)
name = escape_markdown(page.partner_name)
confirmed_key = f"confirmed_{actor.partner_id}"
# The answer to what the partner last sent: "checkin", "checkin_safety", "feedback",
# "reminders_stopped" or "reminders_not_stopped".
receipt_key = f"receipt_{actor.partner_id}"

st.title(_("Hello, {name}").format(name=name))
if not st.session_state.get(confirmed_key):
    st.write(
        _(
            "This page belongs to **{name}**. Phones get shared, so please check: are you {name}?"
        ).format(name=name)
    )
    yes, no = st.columns(2)
    if yes.button(_("Yes, I am {name}").format(name=name), type="primary", width="stretch"):
        st.session_state[confirmed_key] = True
        st.rerun()
    if no.button(_("No, this is not me"), width="stretch"):
        st.session_state[confirmed_key] = False
        st.session_state[f"declined_{actor.partner_id}"] = True
    if st.session_state.get(f"declined_{actor.partner_id}"):
        st.warning(
            _(
                "Thank you. Please close this page: it is someone else's. "
                "Your counselor can send you your own link."
            )
        )
    st.stop()

chosen = st.selectbox(
    _("Language"),
    LANGUAGES,
    index=LANGUAGES.index(page.language),
    format_func=LANGUAGE_NAMES.__getitem__,
    key=f"language_{actor.partner_id}",
    help=_("Your page, your emails and your reminders use this language."),
)
if chosen != page.language:
    try:
        with context.partner_work(actor) as uow:
            checkins.set_language(uow, chosen)
    except ServiceError as error:
        client_forms.show_problem(error, _)
    else:
        st.rerun()

# What the partner last sent is answered until they send something else: a double tap's
# second rerun must not take the "Thank you" (or the safety support text) away again. A sent
# form is answered in its own tab, in its place: the partner pressed "Send" at the bottom of a
# long form, and a thank-you at the top of the page would be out of sight.
receipt = st.session_state.get(receipt_key)
if receipt == "reminders_stopped":
    st.success(
        _(
            "Reminder emails are stopped. Your counselor will see this and can restart them "
            "if you ask."
        )
    )
elif receipt == "reminders_not_stopped":
    st.error(_("That did not work; please try again."))
if page.due_text:
    st.info(page.due_text, icon=":material/event:")
if page.has_schedule and not page.reminders_stopped:
    if st.button(_("Stop reminder emails"), key="stop_reminders"):
        # The same stop as the link in a reminder email; your counselor sees it on your record.
        stopped = reminders.stop_reminders(
            context.unscoped_work,
            context.settings.secret_key,
            make_stop_token(context.settings.secret_key, actor.partner_id),
        )
        st.session_state[receipt_key] = "reminders_stopped" if stopped else "reminders_not_stopped"
        st.rerun()
elif page.reminders_stopped:
    st.caption(_("You stopped reminder emails. Ask your counselor if you want them back."))

tab_names = [_("Your exercises"), _("Check-in")]
asks_feedback = page.feedback_ask is not None and page.feedback_measure is not None
if asks_feedback or receipt == "feedback":
    tab_names.append(_("Session feedback"))
if page.shows_own_progress:
    tab_names.append(_("My progress"))
tabs = dict(zip(tab_names, st.tabs(tab_names), strict=True))

with tabs[_("Your exercises")]:
    if not page.assignments:
        st.info(_("Your counselor has not given you any exercises right now."))
    for assignment in page.assignments:
        with st.container(border=True):
            st.subheader(escape_markdown(assignment.title))
            if assignment.due_on:
                st.caption(
                    _("Please try to finish by {day}.").format(
                        day=i18n.day(assignment.due_on, page.language)
                    )
                )
            if assignment.note_to_client:
                st.caption(_("A note from your counselor:"))
                st.text(assignment.note_to_client)
            with st.expander(_("About this module")):
                st.markdown(assignment.client_markdown)
            for exercise in assignment.exercises:
                done = _("Done:") + " " if exercise.done else ""
                kind = _("In session") if exercise.kind == "in-session" else _("At home")
                minutes = _("{minutes} min").format(minutes=exercise.minutes)
                with st.expander(
                    f"{done}{escape_markdown(exercise.title)} · {kind} · {minutes}",
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
                            _("Your reflection (optional)"),
                            value=exercise.reflection,
                        )
                        share = st.checkbox(
                            _("Share this reflection in our joint sessions"),
                            value=exercise.reflection_shared,
                            help=_("If you leave this off, only your counselor reads it."),
                        )
                        label = _("Save reflection") if exercise.done else _("Mark as done")
                        if st.form_submit_button(label, type="primary"):
                            try:
                                with context.partner_work(actor) as uow:
                                    checkins.mark_exercise_done(
                                        uow, catalog, assignment.id, exercise.id, reflection, share
                                    )
                            except ServiceError as error:
                                client_forms.show_problem(error, _)
                            else:
                                st.session_state.pop(receipt_key, None)
                                st.rerun()


def checkin_saved(with_safety_message: bool) -> None:
    """The answer to a saved check-in, where its form was; a new form only when asked for."""
    st.success(_("Thank you. Your check-in is saved."))
    if with_safety_message:
        client_forms.safety_message(_, page.support_text)
    if st.button(_("Start a new check-in"), key="new_checkin"):
        st.session_state.pop(receipt_key, None)
        st.rerun()


def checkin_form() -> None:
    measure = page.measure
    form_number = st.session_state.setdefault("checkin_form_number", 0)
    idempotency_key = st.session_state.setdefault("checkin_key", uuid.uuid4().hex)
    st.caption(
        _(
            "{title}: a short check-in written for TrustCare. It is not a validated test; "
            "it helps you and your counselor see how things are going."
        ).format(title=measure.title)
    )
    st.caption(
        _(
            "Your answers are kept only while this page stays open: reloading or closing it "
            "clears them, so please send the check-in in one go."
        )
    )
    sent = client_forms.checkin_form(
        measure,
        _,
        f"{held_key}_{form_number}",
        f"checkin_{form_number}",
        ask_consent=page.share_scores is None,
    )
    if sent is not None:
        unanswered = checkins.missing_required(measure, sent.answers)
        if sent.consent_missing:
            unanswered.append(_("May your counselor show your scores to both of you?"))
            st.error(
                _(
                    "Please answer the question about showing your scores in joint sessions. "
                    "Nothing was sent yet. Still to answer:"
                )
                + "\n"
                + "\n".join(f"- {text}" for text in unanswered)
            )
        else:
            try:
                with context.partner_work(actor) as uow:
                    result = checkins.submit_checkin(
                        uow,
                        catalog,
                        sent.answers,
                        sent.reflection,
                        sent.share_reflection,
                        sent.share_scores,
                        idempotency_key,
                    )
            except ServiceError as error:
                client_forms.show_problem(error, _, unanswered)
            else:
                saved = "checkin_safety" if result.safety_flag else "checkin"
                st.session_state[receipt_key] = saved
                st.session_state["checkin_key"] = uuid.uuid4().hex
                st.session_state["checkin_form_number"] = form_number + 1
                st.rerun()


with tabs[_("Check-in")]:
    if receipt in ("checkin", "checkin_safety"):
        checkin_saved(receipt == "checkin_safety")
    else:
        checkin_form()
    if page.share_scores is not None:
        with st.expander(_("Sharing my scores in joint sessions")):
            choice = st.toggle(
                _("Show my scores to both of us in joint sessions"), value=page.share_scores
            )
            if choice != page.share_scores:
                try:
                    with context.partner_work(actor) as uow:
                        checkins.set_consent(uow, choice)
                except ServiceError as error:
                    client_forms.show_problem(error, _)
                else:
                    st.rerun()

if receipt == "feedback":
    with tabs[_("Session feedback")]:
        st.success(_("Thank you. Your feedback on the session is saved."))
if asks_feedback:
    # An earlier session of the last two weeks still without feedback is asked about next.
    with tabs[_("Session feedback")]:
        ask = page.feedback_ask
        st.subheader(_("Your session on {day}").format(day=i18n.day(ask.held_on, page.language)))
        st.caption(
            _(
                "A few questions about this session. Only your counselor sees your answers: "
                "your partner does not, and they are never shown on the shared screen."
            )
        )
        feedback_key = st.session_state.setdefault(
            f"feedback_key_{ask.session_id}", uuid.uuid4().hex
        )
        sent_feedback = client_forms.feedback_form(
            page.feedback_measure,
            _,
            f"{held_key}_feedback_{ask.session_id}",
            f"feedback_{ask.session_id}",
        )
        if sent_feedback is not None:
            unanswered = checkins.missing_required(page.feedback_measure, sent_feedback.answers)
            try:
                with context.partner_work(actor) as uow:
                    session_feedback.submit_feedback(
                        uow,
                        catalog,
                        ask.session_id,
                        sent_feedback.answers,
                        sent_feedback.comment,
                        feedback_key,
                    )
            except ServiceError as error:
                client_forms.show_problem(error, _, unanswered)
            else:
                st.session_state[receipt_key] = "feedback"
                st.rerun()

if page.shows_own_progress and shown.progress is not None:
    with tabs[_("My progress")]:
        own_progress_view.show(shown.progress, _, page.language)
