"""Integration fixtures: two counselors of one practice, each with their own couple."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import pytest
from sqlalchemy import event

from trustcare.catalog import get_catalog
from trustcare.identity import Actor
from trustcare.persistence.uow import CounselorWork, unscoped_work
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


@pytest.fixture
def count_statements(engine):
    """Runs a callable and returns how many SQL statements it sent to the test database."""

    def count(call) -> int:
        sent = 0

        def one_more(*_args):
            nonlocal sent
            sent += 1

        event.listen(engine, "before_cursor_execute", one_more)
        try:
            call()
        finally:
            event.remove(engine, "before_cursor_execute", one_more)
        return sent

    return count
