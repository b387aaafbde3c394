"""Ids from a URL or a tampered form: out of range or of the wrong type, they name nothing.

An attacker who sends such ids gets the same "not found" as for another counselor's record,
never a raw database error (a refused query, an overflow, a type error from the driver).
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.couple_parts import shown_assignments, shown_checkins, shown_links
from trustcare.catalog import get_catalog
from trustcare.errors import ServiceError
from trustcare.services import (
    admin,
    agendas,
    assignments,
    couples,
    export,
    links,
    overview,
    progress,
    session_screen,
)

BAD_IDS = [0, -1, 2**31, 2**63, 2**70, "1", "1; DROP TABLE couple", None, 1.5, True, [1]]

# (name, call with the bad id in the place of one id)
CALLS = {
    "couple overview": lambda uow, p, bad: overview.couple_overview(uow, get_catalog(), bad),
    "progress page": lambda uow, p, bad: progress.progress_page(uow, get_catalog(), bad),
    "shared screen": lambda uow, p, bad: session_screen.shared_screen(uow, get_catalog(), bad),
    "check-ins CSV": lambda uow, p, bad: export.checkins_csv(uow, get_catalog(), bad),
    "check-ins tab": lambda uow, p, bad: shown_checkins(uow, bad),
    "assignments tab": lambda uow, p, bad: shown_assignments(uow, bad),
    "links tab": lambda uow, p, bad: shown_links(uow, bad),
    "log a session": lambda uow, p, bad: couples.log_session(
        uow, bad, dt.date(2026, 1, 5), "Fictional."
    ),
    "session notes": lambda uow, p, bad: couples.update_session_notes(
        uow, p.admins_couple, bad, "Fictional."
    ),
    "issue a link": lambda uow, p, bad: links.issue_link(
        uow, p.admins_couple, bad, "http://localhost:8501"
    ),
    "revoke links": lambda uow, p, bad: links.revoke_links(uow, p.admins_couple, bad),
    "assignment status": lambda uow, p, bad: assignments.set_status(
        uow, p.admins_couple, bad, "completed"
    ),
    "undo an acknowledgement": lambda uow, p, bad: agendas.undo_acknowledgement(
        uow, p.admins_couple, bad
    ),
    "hand over to": lambda uow, p, bad: admin.hand_over_couple(uow, p.admins_couple, bad),
    "hand over a couple": lambda uow, p, bad: admin.hand_over_couple(
        uow, bad, p.counselor.counselor_id
    ),
    "deactivate": lambda uow, p, bad: admin.deactivate_counselor(uow, bad),
    "reset a password": lambda uow, p, bad: admin.reset_password(uow, bad, "a brand new password"),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_an_out_of_range_or_wrongly_typed_id_is_not_found(practice, call):
    for bad in BAD_IDS:
        with practice.work(practice.admin) as uow, pytest.raises(ServiceError):
            CALLS[call](uow, practice, bad)
