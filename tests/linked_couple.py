"""Ada's couple Rivera with each partner behind their own opened personal link, for service
tests of the partners' side (tests/integration/test_partners_side.py, test_session_feedback.py)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from tests.couple_parts import shown_links
from trustcare.identity import PartnerActor
from trustcare.persistence.uow import unscoped_work
from trustcare.services import links

BASE = "https://care.example"


class NoWait:
    """A throttle that never sleeps."""

    def delay_for(self, client, now=None):
        return 0.0

    def record_failure(self, client, now=None):
        pass


@dataclass(frozen=True)
class LinkedCouple:
    couple_id: int
    lena: PartnerActor
    marco: PartnerActor


def link_actor(practice, couple_id: int, partner_id: int, counselor=None) -> PartnerActor:
    """The partner behind a freshly issued personal link, as the check-in page opens it."""
    with practice.work(counselor or practice.admin) as uow:
        url = links.issue_link(uow, couple_id, partner_id, BASE).url
    token = url.split("t=", 1)[1]
    return links.open_link(partial(unscoped_work, practice.factory), token, throttle=NoWait())


def linked_rivera(practice) -> LinkedCouple:
    """Ada's couple Rivera, Lena and Marco each behind their own opened link."""
    with practice.work(practice.admin) as uow:
        lena_id, marco_id = (s.partner_id for s in shown_links(uow, practice.admins_couple))
    return LinkedCouple(
        practice.admins_couple,
        link_actor(practice, practice.admins_couple, lena_id),
        link_actor(practice, practice.admins_couple, marco_id),
    )
