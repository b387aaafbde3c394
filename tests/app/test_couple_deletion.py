"""Deleting a couple from the admin's hand-over page: two steps, the label typed exactly."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import func, select

from tests.app.conftest import as_shown, signed_in_app
from trustcare.models import AuditEvent, Couple, Partner
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, couples


@pytest.fixture
def harbor(app_factory):
    """Admin Ada with couple Rivera; counselor Ben with couple Okafor, closed long ago."""
    ada = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(app_factory, ada) as uow:
        accounts.add_counselor(uow, "Ben Imaginary", "ben@harbor.example", "long password 2")
        rivera = couples.create_couple(
            uow, "Rivera", [couples.PartnerInput("Lena"), couples.PartnerInput("Marco")]
        )
    ben = accounts.authenticate(
        partial(unscoped_work, app_factory), "ben@harbor.example", "long password 2"
    )
    with CounselorWork(app_factory, ben) as uow:
        okafor = couples.create_couple(
            uow, "Okafor", [couples.PartnerInput("Chidi"), couples.PartnerInput("Tess")]
        )
        couples.set_status(uow, okafor, "closed")
    with app_factory() as db:
        db.get(Couple, okafor).closed_at = dt.datetime(2010, 3, 1, tzinfo=dt.UTC)
        db.commit()
    return {"factory": app_factory, "ada": ada, "rivera": rivera, "okafor": okafor}


def _page(harbor):
    at = signed_in_app(harbor["ada"]).run()
    return at.switch_page("pages/handover.py").run()


def _button(at, label, nth=0):
    return [b for b in at.button if b.label == label][nth]


def _typed(at):
    return next(t for t in at.text_input if t.label == "Type the couple's label to confirm")


def _couples_left(harbor) -> set[str]:
    with harbor["factory"]() as db:
        return set(db.scalars(select(Couple.label)))


def test_deleting_takes_two_steps_and_a_wrong_label_keeps_the_form(harbor):
    at = _page(harbor)
    assert not at.exception
    assert not [t for t in at.text_input if t.label.startswith("Type the couple")]
    next(s for s in at.selectbox if s.label == "Couple to delete").set_value(harbor["rivera"])
    # A double click on the first step only asks once.
    _button(at, "Delete this couple…").click().run()
    _button(at, "Delete this couple…").click().run()
    assert any("cannot be undone" in w.value for w in at.warning)
    assert _couples_left(harbor) == {"Rivera", "Okafor"}

    _typed(at).input("rivera")
    _button(at, "Delete for good").click().run()
    assert not at.exception
    assert any("exactly as it is shown" in e.value for e in at.error)
    assert _typed(at).value == "rivera"
    assert _couples_left(harbor) == {"Rivera", "Okafor"}

    _typed(at).input("Rivera")
    _button(at, "Delete for good").click().run()
    assert not at.exception
    assert "Rivera and all their records were deleted." in as_shown(
        "\n".join(s.value for s in at.success)
    )
    assert not [b for b in at.button if b.label == "Delete for good"]
    assert _couples_left(harbor) == {"Okafor"}
    with harbor["factory"]() as db:
        assert db.scalar(select(func.count(Partner.id))) == 2
        events = db.scalars(select(AuditEvent).where(AuditEvent.action == "couple.delete")).all()
    assert [event.record_id for event in events] == [harbor["rivera"]]


def test_cancel_leaves_the_couple(harbor):
    at = _page(harbor)
    next(s for s in at.selectbox if s.label == "Couple to delete").set_value(harbor["rivera"])
    _button(at, "Delete this couple…").click().run()
    _button(at, "Cancel").click().run()
    assert not [b for b in at.button if b.label == "Delete for good"]
    assert _couples_left(harbor) == {"Rivera", "Okafor"}


def test_a_couple_past_retention_is_listed_and_deleted_with_the_same_two_steps(harbor):
    at = _page(harbor)
    listed = next(
        d.value
        for d in at.dataframe
        if list(d.value.columns) == ["Couple", "Closed on", "Counselor"]
    )
    assert listed.values.tolist() == [["Okafor", dt.date(2010, 3, 1), "Ben Imaginary"]]
    # The second "Delete this couple…" is the retention list's.
    _button(at, "Delete this couple…", 1).click().run()
    _typed(at).input("Okafor")
    _button(at, "Delete for good").click().run()
    assert not at.exception
    assert _couples_left(harbor) == {"Rivera"}
    assert any("No closed couple is past the retention period." in i.value for i in at.info)
