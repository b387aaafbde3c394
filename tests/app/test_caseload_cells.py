"""The caseload table's cells as a counselor sees them: nothing where there is nothing yet."""

from __future__ import annotations

from functools import partial

import pandas as pd

from tests.app.conftest import signed_in_app
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, couples

# What the browser's table draws in a cell without a value when st.dataframe is given no
# placeholder (Streamlit's frontend: `placeholder ?? "None"`).
STREAMLIT_MISSING_VALUE_TEXT = "None"


def shown_in_cell(table, row: int, column: str) -> str:
    """The text the browser draws in this cell of an `st.dataframe`."""
    value = table.value.iloc[row][column]
    if pd.isna(value):
        if table.proto.HasField("placeholder"):
            return table.proto.placeholder
        return STREAMLIT_MISSING_VALUE_TEXT
    return str(value)


def test_a_new_couple_without_sessions_shows_an_empty_last_session_cell(app_factory):
    ada = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(app_factory, ada) as uow:
        couples.create_couple(
            uow, "Nakamura", [couples.PartnerInput("Yui"), couples.PartnerInput("Dev")]
        )

    at = signed_in_app(ada).run()

    assert not at.exception
    table = next(frame for frame in at.dataframe if frame.key == "caseload_table")
    row = list(table.value["Couple"]).index("Nakamura")
    assert table.value.iloc[row]["Sessions"] == 0
    assert pd.isna(table.value.iloc[row]["Last session"])
    shown = {column: shown_in_cell(table, row, column) for column in table.value.columns}
    assert shown["Last session"] == ""
    assert shown["Alerts"] == ""
    assert "None" not in shown.values()
