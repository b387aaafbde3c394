"""Room links: the shared screen's QR code is short-lived, one-use and shows nothing private."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
from sqlalchemy import select, update

from tests.couple_parts import shown_links
from trustcare.errors import LinkNotUsable
from trustcare.models import CheckinLink
from trustcare.persistence.uow import unscoped_work
from trustcare.services import links

BASE = "https://care.example"


class NoWait:
    def delay_for(self, client, now=None):
        return 0.0

    def record_failure(self, client, now=None):
        pass


def unscoped(practice):
    """Opens an unscoped unit of work on the practice's database, as link entry points take."""
    return partial(unscoped_work, practice.factory)


@pytest.fixture
def rivera(practice):
    with practice.work(practice.admin) as uow:
        states = shown_links(uow, practice.admins_couple)
    return practice.admins_couple, states[0].partner_id


def room_token(practice, rivera) -> str:
    with practice.work(practice.admin) as uow:
        issued = links.issue_room_link(uow, rivera[0], rivera[1], BASE)
    assert "room=" in issued.url and "t=" not in issued.url
    assert issued.expires_at - dt.datetime.now(dt.UTC) <= dt.timedelta(minutes=10)
    return issued.url.split("room=", 1)[1]


def test_a_room_link_never_opens_the_partners_page_itself(practice, rivera):
    token = room_token(practice, rivera)
    with pytest.raises(LinkNotUsable):
        links.open_link(unscoped(practice), token, throttle=NoWait())


def test_claiming_a_room_link_gives_a_fresh_personal_link_once(practice, rivera):
    with practice.work(practice.admin) as uow:
        old = links.issue_link(uow, rivera[0], rivera[1], BASE).url.split("t=", 1)[1]
    token = room_token(practice, rivera)
    assert links.room_link_usable(unscoped(practice), token)
    fresh = links.claim_room_link(unscoped(practice), token)
    actor = links.open_link(unscoped(practice), fresh, throttle=NoWait())
    assert actor.partner_id == rivera[1]
    with pytest.raises(LinkNotUsable):
        links.open_link(unscoped(practice), old, throttle=NoWait())
    assert not links.room_link_usable(unscoped(practice), token)
    with pytest.raises(LinkNotUsable):
        links.claim_room_link(unscoped(practice), token)
    with practice.work(practice.admin) as uow:
        assert shown_links(uow, rivera[0])[0].state == "active"


def test_an_expired_room_link_cannot_be_claimed(practice, rivera):
    token = room_token(practice, rivera)
    with practice.factory() as session:
        session.execute(
            update(CheckinLink)
            .where(CheckinLink.purpose == "room")
            .values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
        )
        session.commit()
    assert not links.room_link_usable(unscoped(practice), token)
    with pytest.raises(LinkNotUsable):
        links.claim_room_link(unscoped(practice), token)
    with practice.factory() as session:
        assert session.scalars(select(CheckinLink.used_at)).all() == [None]
