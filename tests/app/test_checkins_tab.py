"""The counselor's check-ins tab: times say their zone; an unanswered safety question says so."""

from __future__ import annotations

from sqlalchemy import update

from tests.app.test_counselor_pages import REQUIRED, harbor, open_couple  # noqa: F401
from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.models import CheckIn
from trustcare.persistence.uow import CounselorWork, PartnerWork
from trustcare.services import checkins


def test_check_in_times_name_utc_and_an_unanswered_safety_question_reads_unanswered(harbor):  # noqa: F811
    factory = harbor["factory"]
    with CounselorWork(factory, harbor["ada"]) as uow:
        lena = shown_links(uow, harbor["rivera"])[0].partner_id
    actor = PartnerActor(lena, harbor["rivera"], harbor["ada"].practice_id, 0, "Lena")
    for key in ("a", "b"):
        with PartnerWork(factory, actor) as uow:
            checkins.submit_checkin(uow, get_catalog(), REQUIRED, "", False, True, key)
    # A check-in stored before the safety question was required has no answer (None).
    with factory() as session:
        session.execute(
            update(CheckIn).where(CheckIn.idempotency_key == "b").values(safety_flag=None)
        )
        session.commit()

    at = open_couple(harbor["ada"], harbor["rivera"], tab="Check-ins")

    assert not at.exception
    table = at.dataframe[0].value
    assert "When (UTC)" in table.columns
    assert sorted(table["Safety"]) == ["", "unanswered"]
