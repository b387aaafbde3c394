"""Admin pages through the real app script: who can reach them, and what they show and do."""

from __future__ import annotations

import datetime as dt
from functools import partial

import pytest
import streamlit

from tests.app.conftest import as_shown, signed_in_app
from tests.couple_parts import shown_record
from trustcare.models import AuditEvent
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, admin, audit, couples

ADMIN_PAGES = {
    "pages/counselors.py": "Counselors",
    "pages/handover.py": "Couples and hand-over",
    "pages/practice_settings.py": "Practice settings",
    "pages/audit_trail.py": "Audit trail",
}


@pytest.fixture
def harbor(app_factory):
    """Admin Ada with couple Rivera; counselor Ben with couple Okafor and a private note."""
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
        couples.log_session(uow, okafor, dt.date(2026, 1, 5), "Chidi spoke about the move.")
    return {"factory": app_factory, "ada": ada, "ben": ben, "rivera": rivera, "okafor": okafor}


@pytest.fixture
def registered_titles(monkeypatch):
    """The titles of the pages app.py hands to `st.navigation` on the latest run."""
    seen: set[str] = set()
    original = streamlit.navigation

    def recording_navigation(pages, *args, **kwargs):
        seen.clear()
        seen.update(page.title for page in pages)
        return original(pages, *args, **kwargs)

    monkeypatch.setattr(streamlit, "navigation", recording_navigation)
    return seen


def texts(at) -> str:
    kinds = ("title", "subheader", "markdown", "text", "caption", "error", "info", "success")
    return "\n".join(str(element.value) for kind in kinds for element in getattr(at, kind))


def admin_page(harbor, path):
    at = signed_in_app(harbor["ada"]).run()
    return at.switch_page(path).run()


def test_a_counselors_page_set_has_no_admin_pages(harbor, registered_titles):
    at = signed_in_app(harbor["ben"]).run()
    assert not at.exception
    assert "Caseload" in registered_titles
    assert not registered_titles & set(ADMIN_PAGES.values())


def test_an_admins_page_set_has_every_admin_page(harbor, registered_titles):
    signed_in_app(harbor["ada"]).run()
    assert registered_titles >= set(ADMIN_PAGES.values())


@pytest.mark.parametrize("path", sorted(ADMIN_PAGES))
def test_a_counselor_cannot_switch_to_an_admin_page(harbor, path):
    at = signed_in_app(harbor["ben"]).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(path)


@pytest.mark.parametrize("path", sorted(ADMIN_PAGES))
def test_every_admin_page_opens_for_an_admin(harbor, path):
    at = admin_page(harbor, path)
    assert not at.exception
    assert at.title[0].value == ADMIN_PAGES[path]


def test_the_counselors_page_says_local_accounts_are_in_use(harbor):
    at = admin_page(harbor, "pages/counselors.py")
    assert "Sign-in: local accounts with passwords" in texts(at)
    assert list(at.dataframe[0].value["Name"]) == ["Ada Fictional", "Ben Imaginary"]


def test_adding_a_sign_on_counselor_needs_no_password(harbor):
    at = admin_page(harbor, "pages/counselors.py")
    form_inputs = [t for t in at.text_input if t.label.startswith(("Name", "Email"))]
    form_inputs[0].input("Cleo Invented")
    form_inputs[1].input("cleo@harbor.example")
    at.radio[0].set_value("single sign-on")
    next(b for b in at.button if b.label == "Add counselor").click().run()
    assert not at.exception
    assert "Cleo Invented added. They sign in with their practice account." in texts(at)
    roster = at.dataframe[0].value
    assert "single sign-on (not signed on yet)" in set(roster["Signs in with"])


def test_deactivating_a_counselor_from_the_page_ends_their_session(harbor):
    at = admin_page(harbor, "pages/counselors.py")
    manage = next(s for s in at.selectbox if s.label == "Counselor")
    manage.set_value(harbor["ben"].counselor_id).run()
    next(b for b in at.button if b.label == "Deactivate").click().run()
    assert not at.exception
    assert "Ben Imaginary is deactivated. 1 open couple(s) remain" in texts(at)
    ben = harbor["ben"]
    assert (
        accounts.actor_for_login(
            partial(unscoped_work, harbor["factory"]), ben.counselor_id, ben.session_version
        )
        is None
    )


def test_the_handover_list_shows_no_partner_names_or_notes(harbor):
    at = admin_page(harbor, "pages/handover.py")
    table = at.dataframe[0].value
    assert list(table.columns) == ["Couple", "Counselor", "Status"]
    shown = texts(at) + table.to_string()
    for private in ("Chidi", "Tess", "Chidi spoke about the move."):
        assert private not in shown


def test_handing_over_into_a_clashing_caseload_shows_a_clear_error(harbor):
    with CounselorWork(harbor["factory"], harbor["ben"]) as uow:
        couples.create_couple(
            uow, "RIVERA", [couples.PartnerInput("Ana"), couples.PartnerInput("Rui")]
        )
    at = admin_page(harbor, "pages/handover.py")
    couple, to = at.selectbox[0], at.selectbox[1]
    couple.set_value(harbor["rivera"])
    to.set_value(harbor["ben"].counselor_id)
    next(b for b in at.button if b.label == "Hand over").click().run()
    assert "already the label of a couple in Ben Imaginary's caseload" in as_shown(
        at.error[0].value
    )


def test_taking_a_couple_into_ones_own_caseload_without_a_reason_is_refused(harbor):
    at = admin_page(harbor, "pages/handover.py")
    at.selectbox[0].set_value(harbor["okafor"])
    at.selectbox[1].set_value(harbor["ada"].counselor_id)
    next(b for b in at.button if b.label == "Hand over").click().run()
    assert not at.exception
    assert "must say why" in at.error[0].value
    with CounselorWork(harbor["factory"], harbor["ben"]) as uow:
        assert shown_record(uow, harbor["okafor"]).label == "Okafor"


def test_handing_a_couple_over_moves_it_between_caseloads(harbor):
    at = admin_page(harbor, "pages/handover.py")
    at.selectbox[0].set_value(harbor["okafor"])
    at.selectbox[1].set_value(harbor["ada"].counselor_id)
    reason = next(a for a in at.text_area if a.label.startswith("Reason, when you take"))
    reason.input("Ben is on leave for a month and Tess asked for an earlier session.")
    next(b for b in at.button if b.label == "Hand over").click().run()
    assert not at.exception
    assert "Okafor is now in Ada Fictional's caseload." in as_shown(texts(at))
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        assert shown_record(uow, harbor["okafor"]).label == "Okafor"


def test_break_glass_without_a_reason_shows_nothing_of_the_record(harbor):
    at = admin_page(harbor, "pages/handover.py")
    at.selectbox[2].set_value(harbor["okafor"])
    next(b for b in at.button if b.label == "Read the record").click().run()
    assert "Reason** must say why" in at.error[0].value
    assert "Chidi spoke about the move." not in texts(at)


def test_break_glass_with_a_reason_shows_the_record_read_only(harbor):
    at = admin_page(harbor, "pages/handover.py")
    at.selectbox[2].set_value(harbor["okafor"])
    reason = next(a for a in at.text_area if a.label.startswith("Why do you need"))
    reason.input("Ben is away and Tess called the practice in distress.")
    next(b for b in at.button if b.label == "Read the record").click().run()
    assert not at.exception
    assert "Chidi spoke about the move." in [element.value for element in at.text]
    assert "Record, read-only" in texts(at)
    assert not any(area.label == "Private notes" for area in at.text_area)


def test_the_settings_page_never_shows_the_smtp_password(harbor):
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        admin.save_practice_settings(
            uow, {"smtp": {"host": "smtp.harbor.example"}}, "pretend-smtp-secret"
        )
    at = admin_page(harbor, "pages/practice_settings.py")
    password = next(t for t in at.text_input if t.label == "Password")
    assert password.value == ""
    assert password.placeholder == "stored; leave blank to keep it"
    shown = texts(at) + "".join(str(widget.value) for widget in at.text_input)
    assert "pretend-smtp-secret" not in shown


def test_saving_settings_reports_what_changed_and_keeps_the_password(harbor):
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        admin.save_practice_settings(uow, {}, "pretend-smtp-secret")
    at = admin_page(harbor, "pages/practice_settings.py")
    next(n for n in at.number_input if n.label.startswith("Days a new")).set_value(21)
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    assert "Saved: Days a new check-in link stays valid." in texts(at)
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        view = admin.practice_settings(uow)
    assert view.settings.link_expiry_days == 21 and view.smtp_password_stored


def test_the_time_zone_and_default_schedule_are_saved_and_kept_by_the_next_save(harbor):
    at = admin_page(harbor, "pages/practice_settings.py")
    next(s for s in at.selectbox if s.label == "Time zone of the practice").set_value(
        "Europe/Berlin"
    )
    at.selectbox(key="practice_schedule_kind").set_value("every_weeks")
    at.selectbox(key="practice_schedule_weekday").set_value(3)
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.exception
    assert "Saved: Check-ins are due, Weekday, Time zone of the practice." in texts(at)
    next(n for n in at.number_input if n.label.startswith("Days a new")).set_value(21)
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert "Saved: Days a new check-in link stays valid." in texts(at)
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        settings = admin.practice_settings(uow).settings
    assert settings.time_zone == "Europe/Berlin"
    assert (settings.checkin_schedule.kind, settings.checkin_schedule.weekday) == (
        "every_weeks",
        3,
    )


def test_the_audit_trail_lists_events_and_filters_by_action(harbor):
    at = admin_page(harbor, "pages/audit_trail.py")
    assert not at.exception
    assert "couple.create" in set(at.dataframe[0].value["Action"])
    next(s for s in at.selectbox if s.label == "Action").set_value("session.create").run()
    assert set(at.dataframe[0].value["Action"]) == {"session.create"}
    assert set(at.dataframe[0].value["Actor"]) == {"Ben Imaginary"}


def search_handover(at, text: str):
    return at.text_input(key="handover_search").set_value(text).run()


def test_the_handover_search_narrows_the_list_and_the_choices(harbor):
    at = search_handover(admin_page(harbor, "pages/handover.py"), "oka")
    assert not at.exception
    assert list(at.dataframe[0].value["Couple"]) == ["Okafor"]
    assert at.selectbox[0].options == ["Okafor (Ben Imaginary)"]
    assert at.text_input(key="handover_search").value == "oka"
    search_handover(at, "ada fict")
    assert list(at.dataframe[0].value["Couple"]) == ["Rivera"]


def test_a_handover_search_that_matches_nothing_says_so_and_keeps_the_text(harbor):
    at = search_handover(admin_page(harbor, "pages/handover.py"), "Zebedee")
    assert not at.exception
    assert "No couple's label or counselor matches this search." in texts(at)
    assert not at.dataframe and not at.selectbox
    assert at.text_input(key="handover_search").value == "Zebedee"


def test_a_long_handover_list_shows_the_first_couples_and_says_so(harbor):
    with CounselorWork(harbor["factory"], harbor["ben"]) as uow:
        for number in range(admin.HANDOVER_LIMIT):
            couples.create_couple(
                uow,
                f"Bulk {number:02d}",
                [couples.PartnerInput("Pat"), couples.PartnerInput("Sam")],
            )
    at = admin_page(harbor, "pages/handover.py")
    assert len(at.dataframe[0].value) == admin.HANDOVER_LIMIT
    assert len(at.selectbox[0].options) == admin.HANDOVER_LIMIT
    assert "narrow the search to find others" in texts(at)
    search_handover(at, "rivera")
    assert list(at.dataframe[0].value["Couple"]) == ["Rivera"]


@pytest.mark.parametrize("chunk", range(4))
def test_every_blns_string_is_a_harmless_search_on_the_handover_page(harbor, blns, chunk):
    at = admin_page(harbor, "pages/handover.py")
    for text in blns[chunk::4]:
        search_handover(at, text)
        assert not at.exception, text
        # No max_chars on the field: a browser drops a paste longer than max_chars entirely.
        assert at.text_input(key="handover_search").value == text
        assert at.dataframe or "No couple's label or counselor matches" in texts(at), text


def _trail_of(harbor, count: int) -> None:
    """`count` views of Rivera by Ada, a minute apart, in the last hour."""
    newest = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with harbor["factory"]() as session:
        session.add_all(
            AuditEvent(
                practice_id=harbor["ada"].practice_id,
                actor_kind="counselor",
                actor_id=harbor["ada"].counselor_id,
                action="couple.view",
                record_type="couple",
                record_id=harbor["rivera"],
                at=newest - dt.timedelta(minutes=number),
                detail={"minute": number},
            )
            for number in range(count)
        )
        session.commit()


def button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_the_audit_trail_pages_to_older_events_and_back(harbor):
    _trail_of(harbor, audit.PAGE_SIZE + 10)
    at = admin_page(harbor, "pages/audit_trail.py")
    first = at.dataframe[0].value
    assert len(first) == audit.PAGE_SIZE
    assert "Page 1: 50 event(s); older ones on the next page." in texts(at)
    assert button(at, "Newer").disabled
    button(at, "Older").click().run()
    assert not at.exception
    second = at.dataframe[0].value
    assert "Page 2:" in texts(at)
    assert second["When (UTC)"].max() < first["When (UTC)"].min()
    assert button(at, "Older").disabled
    button(at, "Newer").click().run()
    assert at.dataframe[0].value.equals(first)


def test_changing_a_filter_goes_back_to_the_newest_page(harbor):
    _trail_of(harbor, 2 * audit.PAGE_SIZE + 10)
    at = admin_page(harbor, "pages/audit_trail.py")
    button(at, "Older").click().run()
    assert "Page 2:" in texts(at)
    next(s for s in at.selectbox if s.label == "Action").set_value("couple.view").run()
    assert "Page 1:" in texts(at)


def test_the_action_filter_offers_actions_that_have_not_happened_yet(harbor):
    at = admin_page(harbor, "pages/audit_trail.py")
    action = next(s for s in at.selectbox if s.label == "Action")
    assert "couple.break_glass: an admin read a record (break-glass)" in action.options
    action.set_value("couple.break_glass").run()
    assert not at.exception
    assert "No events match these filters." in texts(at)
    assert at.download_button[0].disabled
