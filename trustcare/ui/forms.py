"""Widgets and messages shared by pages."""

from __future__ import annotations

import streamlit as st

from trustcare.services.errors import InvalidInput, ServiceError
from trustcare.ui.text import escape_markdown


def show_problems(error: ServiceError) -> None:
    """A service error as a message the person can act on; what they typed stays in the form."""
    if isinstance(error, InvalidInput):
        lines = "\n".join(
            f"- **{escape_markdown(field.capitalize())}** {escape_markdown(message)}."
            for field, message in error.problems.items()
        )
        st.error(f"Please check:\n{lines}")
    else:
        st.error(escape_markdown(str(error)))
