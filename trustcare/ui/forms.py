"""Widgets and messages shared by pages."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from trustcare.services.errors import InvalidInput, ServiceError
from trustcare.services.uow import CounselorWork


def show_problems(error: ServiceError) -> None:
    """A service error as a message the person can act on; what they typed stays in the form."""
    if isinstance(error, InvalidInput):
        lines = "\n".join(
            f"- **{field.capitalize()}** {message}." for field, message in error.problems.items()
        )
        st.error(f"Please check:\n{lines}")
    else:
        st.error(str(error))


def save_or_show_problems(context, actor, change: Callable[[CounselorWork], object]) -> None:
    """Make a change in its own unit of work, then rerun to show it, or say what to fix."""
    try:
        with context.work(actor) as uow:
            change(uow)
    except ServiceError as error:
        show_problems(error)
    else:
        st.rerun()
