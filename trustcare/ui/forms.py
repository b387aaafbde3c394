"""Widgets and messages shared by pages."""

from __future__ import annotations

import uuid

import streamlit as st

from trustcare.errors import InvalidInput, ServiceError
from trustcare.ui import drafts
from trustcare.ui.text import escape_markdown


def show_problems(error: ServiceError) -> None:
    """A service error as a message the person can act on; what they typed stays in the form."""
    if isinstance(error, InvalidInput):
        lines = "\n".join(
            f"- **{escape_markdown(field[:1].upper() + field[1:])}** {escape_markdown(message)}."
            for field, message in error.problems.items()
        )
        st.error(f"Please check:\n{lines}")
    else:
        st.error(escape_markdown(str(error)))


class OneUseForm:
    """A form whose fields start empty after a save, and whose save happens once.

    Every generation of the form has its own widget keys and its own submission key, the
    one-use key that creating services take (`UnitOfWork.once`). The save runs in a button
    callback whose arguments were fixed when the button was drawn, so a double click sends
    the same key twice and the service answers the second with the record the first made.
    After a save the generation moves on: the fields are new and empty, and a confirmation
    is shown once above them. A refused save keeps the generation, so what was typed stays.
    Keys start with the drafts prefix, so a half-typed form survives a tab switch.
    """

    def __init__(self, name: str, *scope: object) -> None:
        self.name = drafts.key(name, *scope)
        self._state_key = f"{drafts.FORM_PREFIX}{self.name}"

    @property
    def _state(self) -> dict:
        state = st.session_state.get(self._state_key)
        if not isinstance(state, dict):
            state = {"generation": 0, "submission": uuid.uuid4().hex, "saved": None}
            st.session_state[self._state_key] = state
        return state

    def key(self, field: str) -> str:
        """The widget key of one field in the form's current generation."""
        return f"{self.name}:{field}:{self._state['generation']}"

    def button_key(self, name: str) -> str:
        """A button's key in the current generation (outside the drafts prefix: a button's
        value cannot be set, so `drafts.keep` must not hold it)."""
        return f"trustcare_button:{self.name}:{name}:{self._state['generation']}"

    @property
    def submission(self) -> str:
        """This generation's one-use key; pass it to the service through the callback's args."""
        return self._state["submission"]

    def values(self, *fields: str) -> dict[str, object]:
        return {field: st.session_state.get(self.key(field)) for field in fields}

    def saved(self, submission: str, confirmation: str) -> None:
        """After the service accepted `submission`: a new, empty generation and a message.

        A late second click of the saved generation changes nothing more.
        """
        state = self._state
        if state["submission"] != submission:
            return
        prefix = f"{self.name}:"
        for name in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix)]:
            del st.session_state[name]
        state.update(
            generation=state["generation"] + 1,
            submission=uuid.uuid4().hex,
            saved=confirmation,
        )

    def refused(self, error: ServiceError) -> None:
        """Why the save was refused, to show under the form on this run (what was typed stays)."""
        self._state["problem"] = error

    def show_confirmation(self) -> None:
        """The message of the last save, once, where the form is."""
        if message := self._state.get("saved"):
            st.success(message, icon=":material/check_circle:")
            self._state["saved"] = None

    def show_problem(self) -> None:
        """The reason of the last refusal, once, under the form."""
        if problem := self._state.pop("problem", None):
            show_problems(problem)
