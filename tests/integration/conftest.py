"""Integration fixtures: two counselors of one practice, each with their own couple."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import event

from trustcare.catalog import get_catalog
from trustcare.identity import Actor, PartnerActor
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.services import accounts, couples
from trustcare.services.standings import keep_standings


@dataclass
class Practice:
    factory: object
    admin: Actor
    counselor: Actor
    admins_couple: int
    counselors_couple: int

    def work(self, actor: Actor) -> CounselorWork:
        """A counselor's unit of work as the app opens it: it stores the caseload rows of the
        couples it wrote on commit (AppContext.work)."""
        return CounselorWork(self.factory, actor, on_commit=keep_standings(get_catalog))

    def partner_work(self, actor: PartnerActor) -> PartnerWork:
        """A partner's unit of work as the app opens it (caseload rows kept on commit)."""
        return PartnerWork(self.factory, actor, keep_standings(get_catalog))


@pytest.fixture
def catalog():
    """The shipped content library."""
    return get_catalog()


@pytest.fixture
def practice(factory) -> Practice:
    """Harbor Counseling: admin Ada with couple "Rivera", counselor Ben with couple "Okafor"."""
    admin = accounts.create_practice(
        partial(unscoped_work, factory),
        "Harbor Counseling",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(factory, admin) as uow:
        ben_id = accounts.add_counselor(
            uow, "Ben Imaginary", "ben@harbor.example", "long password 2"
        )
    ben = accounts.authenticate(
        partial(unscoped_work, factory), "ben@harbor.example", "long password 2"
    )
    assert ben.counselor_id == ben_id
    with CounselorWork(factory, admin, on_commit=keep_standings(get_catalog)) as uow:
        rivera = couples.create_couple(
            uow,
            "Rivera",
            [couples.PartnerInput("Lena", "lena@mail.example"), couples.PartnerInput("Marco")],
        )
    with CounselorWork(factory, ben, on_commit=keep_standings(get_catalog)) as uow:
        okafor = couples.create_couple(
            uow, "Okafor", [couples.PartnerInput("Chidi"), couples.PartnerInput("Tess")]
        )
    return Practice(factory, admin, ben, rivera, okafor)


def _statements_sent(engine, call) -> list[str]:
    """Runs a callable; the SQL statements it sent to the test database."""
    sent: list[str] = []

    def keep(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", keep)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    return sent


@pytest.fixture
def count_statements(engine):
    """Runs a callable and returns how many SQL statements it sent to the test database."""
    return lambda call: len(_statements_sent(engine, call))


@pytest.fixture
def writes(engine):
    """Runs a callable and returns the INSERT, UPDATE and DELETE statements it sent."""
    return lambda call: [
        statement
        for statement in _statements_sent(engine, call)
        if statement.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]
