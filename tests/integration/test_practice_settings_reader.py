"""One reader of a practice's settings, one behaviour on a bad stored record: the defaults,
a logged warning without the record's values, and the admin's page says what was wrong."""

from __future__ import annotations

import logging

from tests.couple_parts import shown_links
from trustcare.models import Practice
from trustcare.practice_settings import PracticeSettings
from trustcare.services import admin, links


def _spoil_settings(practice) -> None:
    with practice.factory() as session:
        stored = session.get(Practice, practice.admin.practice_id)
        stored.settings = {"link_expiry_days": "forever", "smtp": {"password": "s3cret-smtp"}}
        session.commit()


def test_a_bad_stored_record_gives_the_defaults_everywhere_and_a_warning(practice, caplog):
    _spoil_settings(practice)
    with practice.work(practice.admin) as uow:
        lena = shown_links(uow, practice.admins_couple)[0].partner_id
    with caplog.at_level(logging.WARNING), practice.work(practice.admin) as uow:
        issued = links.issue_link(uow, practice.admins_couple, lena, "http://localhost")
        assert uow.practice_settings() == PracticeSettings()
    assert issued.url.startswith("http://localhost/")
    assert "link_expiry_days" in caplog.text
    assert "forever" not in caplog.text and "s3cret-smtp" not in caplog.text


def test_the_admins_settings_view_says_what_was_wrong_in_the_forms_words(practice):
    _spoil_settings(practice)
    with practice.work(practice.admin) as uow:
        view = admin.practice_settings(uow)
    assert view.settings.link_expiry_days == PracticeSettings().link_expiry_days
    assert "Days a new check-in link stays valid" in view.problem


def test_a_good_record_has_no_problem(practice):
    with practice.work(practice.admin) as uow:
        assert admin.practice_settings(uow).problem == ""
