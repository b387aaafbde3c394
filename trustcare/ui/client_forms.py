"""The forms a partner fills in, shared by their own link (pages/checkin.py) and the
counselor's in-room entry (pages/room_entry.py), so both ask exactly the same way: the same
items in the partner's language, the safety question apart and private, nothing pre-chosen.

Every word goes through the partner's `_` (trustcare/i18n.py); the measure handed in is
already in their language (`Measure.in_language`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from trustcare.content_schema import Measure
from trustcare.errors import (
    InvalidInput,
    LinkNotUsable,
    LoginEnded,
    ServiceError,
    StorageUnavailable,
)
from trustcare.i18n import Translate

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckinInput:
    answers: dict[str, int | None]
    reflection: str
    share_reflection: bool
    # None: not asked (the partner chose before), or asked and left unanswered.
    share_scores: bool | None
    consent_missing: bool


@dataclass(frozen=True)
class FeedbackInput:
    answers: dict[str, int | None]
    comment: str


def _scored_items(measure: Measure, _: Translate, widget: str) -> dict[str, int | None]:
    """One radio per scored item, none pre-chosen: an unanswered item stays unanswered.

    Each question is a card of its own, what its numbers mean and the "please answer" under
    its own choices: loose under the previous question's choices they read as that question's.
    """
    answers: dict[str, int | None] = {}
    for item in measure.items:
        scale = measure.scale_of(item.id)
        if scale is None or item.safety:
            continue
        options = list(range(scale.min, scale.max + 1))
        anchors = scale.anchors
        labelled = len(anchors) == len(options)
        notes = []
        if not labelled:
            notes.append(" · ".join(f"{value} = {label}" for value, label in anchors.items()))
        if item.id in measure.required_items:
            notes.append(_("Please answer this one; you may skip any question not marked so."))
        with st.container(border=True):
            answers[item.id] = st.radio(
                item.text,
                options,
                index=None,
                horizontal=True,
                format_func=lambda v, a=anchors, named=labelled: a[v] if named else str(v),
                key=f"{widget}_{item.id}",
            )
            for note in notes:
                st.caption(note)
    return answers


def checkin_form(
    measure: Measure, _: Translate, widget: str, form_key: str, ask_consent: bool
) -> CheckinInput | None:
    """The trust pulse as a form; its values once "Send check-in" was pressed, else None."""
    with st.form(form_key):
        answers = _scored_items(measure, _, widget)
        st.divider()
        no, yes = _("No"), _("Yes")
        for item_id in measure.safety_items:
            item = measure.item(item_id)
            with st.container(border=True):
                st.caption(
                    _("This question is private: only your counselor will see your answer.")
                    + (" " + _("Please answer it.") if item_id in measure.required_items else "")
                )
                safety = st.radio(
                    item.text, [no, yes], index=None, horizontal=True, key=f"{widget}_{item.id}"
                )
            answers[item.id] = None if safety is None else int(safety == yes)
        reflection = st.text_area(
            _("Anything you want your counselor to know? (optional)"),
            key=f"{widget}_reflection",
        )
        share_reflection = st.checkbox(
            _("Share this note in our joint sessions"), key=f"{widget}_share"
        )
        consent = None
        show_mine = _("Yes, show my scores")
        if ask_consent:
            consent = st.radio(
                _("May your counselor show your scores to both of you in joint sessions?"),
                [show_mine, _("No, keep my scores between me and my counselor")],
                index=None,
                key=f"{widget}_consent",
            )
        submitted = st.form_submit_button(_("Send check-in"), type="primary", width="stretch")
    if not submitted:
        return None
    return CheckinInput(
        answers,
        reflection,
        share_reflection,
        None if consent is None else consent == show_mine,
        ask_consent and consent is None,
    )


def feedback_form(
    measure: Measure, _: Translate, widget: str, form_key: str
) -> FeedbackInput | None:
    """Session feedback as a form; its values once "Send feedback" was pressed, else None."""
    with st.form(form_key):
        answers = _scored_items(measure, _, widget)
        comment = st.text_area(
            _("Anything else about this session you want your counselor to know? (optional)"),
            key=f"{widget}_comment",
        )
        submitted = st.form_submit_button(_("Send feedback"), type="primary", width="stretch")
    if not submitted:
        return None
    return FeedbackInput(answers, comment)


def show_unanswered(_: Translate, unanswered: Sequence[str]) -> None:
    """What is still to answer, in the partner's words; nothing was sent."""
    st.error(
        _("Please answer the questions marked as needed. Nothing was sent yet. Still to answer:")
        + "\n"
        + "\n".join(f"- {text}" for text in unanswered)
    )


def show_problem(error: ServiceError, _: Translate, unanswered: Sequence[str] = ()) -> None:
    """A refused save in the partner's language; what they typed stays in the form."""
    if isinstance(error, InvalidInput):
        problems = error.problems
        log.info("a client form was refused: %s", ", ".join(sorted(problems)))
        if "required" in problems and unanswered:
            show_unanswered(_, unanswered)
        if "reflection" in problems or "comment" in problems:
            st.error(
                _(
                    "Your note is too long, or holds a character that cannot be stored. "
                    "Please shorten it and send again."
                )
            )
        if "form" in problems:
            st.error(_("This form is out of date. Please reload the page."))
        if "answers" in problems:
            st.error(_("Some answers could not be read. Please check them and send again."))
        if "language" in problems:
            st.error(_("That language is not offered yet."))
        return
    if isinstance(error, StorageUnavailable):
        st.error(
            _(
                "We could not save this just now. Your answers are still here: "
                "please try again in a minute."
            )
        )
    elif isinstance(error, LinkNotUsable):
        st.info(_("This link no longer works. Please ask your counselor for a new one."))
    elif isinstance(error, LoginEnded):
        st.error(str(error))
    else:
        log.info("a client form was refused: %s", type(error).__name__)
        st.error(_("That could not be saved. Please reload the page and try again."))


def safety_message(_: Translate, support_text: str) -> None:
    """Shown at once after a "yes" to the safety question, in the partner's language."""
    st.warning(_("You told us you may not be safe. Here is where to get help now:"))
    st.text(support_text)


def change_words(_: Translate, change: str) -> str:
    """What changed since the first check-in, as a client reads it (never an index)."""
    return {
        "better": _(
            "Your trust score has gone up since your first check-in, by more than a small change."
        ),
        "worse": _(
            "Your trust score has gone down since your first check-in, by more than a small "
            "change. That can happen when hard things come up. Your counselor sees it too, "
            "and you can talk about it together."
        ),
        "about-the-same": _(
            "Your trust score is about the same as at your first check-in. Small ups and downs "
            "are normal."
        ),
        "too-early": _("After your second check-in, you will see here how things have changed."),
    }[change]
