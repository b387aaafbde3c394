"""Caseload, couple record and library pages for a signed-in counselor, via AppTest."""

from __future__ import annotations

import re
from contextlib import contextmanager
from functools import partial

import pytest
from sqlalchemy import Engine, event

from tests.answers import SAFETY_YES as UNSAFE_CHECKIN
from tests.app.conftest import as_shown, signed_in_app
from tests.couple_parts import shown_links, shown_record
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.services import accounts, admin, checkins, couples, demo


@pytest.fixture
def harbor(app_factory):
    """Admin Ada with couple Rivera; counselor Ben with couple Okafor."""
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
            uow,
            "Rivera",
            [couples.PartnerInput("Lena", "lena@mail.example"), couples.PartnerInput("Marco")],
        )
    ben = accounts.authenticate(
        partial(unscoped_work, app_factory), "ben@harbor.example", "long password 2"
    )
    with CounselorWork(app_factory, ben) as uow:
        okafor = couples.create_couple(
            uow, "Okafor", [couples.PartnerInput("Chidi"), couples.PartnerInput("Tess")]
        )
    return {"factory": app_factory, "ada": ada, "ben": ben, "rivera": rivera, "okafor": okafor}


def open_couple(actor, couple_id, tab=None):
    """The couple's record as the counselor opens it, then the tab they click, if any."""
    at = signed_in_app(actor).run()
    at.switch_page("pages/couple.py")
    at.query_params["couple"] = str(couple_id)
    at.run()
    if tab is not None:
        at.session_state["tab"] = tab
        at.run()
    return at


def caseload_with_the_add_form_open(actor):
    at = signed_in_app(actor).run()
    assert not [t for t in at.text_input if t.label == "Partner 1 name"]  # closed: not drawn
    at.session_state["add_couple_open"] = True
    return at.run()


def test_an_empty_caseload_opens_the_add_form(app_factory):
    ada = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    at = signed_in_app(ada).run()
    assert "Your caseload is empty. Add your first couple below." in [i.value for i in at.info]
    assert [t.label for t in at.text_input if t.label.startswith("Partner 1")] == [
        "Partner 1 name",
        "Partner 1 contact (optional email or phone)",
    ]


def test_adding_a_couple_opens_its_record(harbor):
    at = caseload_with_the_add_form_open(harbor["ben"])
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["Couple label (how you name them in your caseload)"].input("Nakamura")
    form_inputs["Partner 1 name"].input("Yui")
    form_inputs["Partner 2 name"].input("Dev")
    next(b for b in at.button if b.label == "Add couple").click().run()
    assert not at.exception
    assert at.title[0].value == "Nakamura"


def test_a_duplicate_label_is_refused_and_the_form_keeps_what_was_typed(harbor):
    at = caseload_with_the_add_form_open(harbor["ben"])
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["Couple label (how you name them in your caseload)"].input("okafor")
    form_inputs["Partner 1 name"].input("Yui")
    form_inputs["Partner 2 name"].input("Dev")
    next(b for b in at.button if b.label == "Add couple").click().run()
    assert "is already used by another couple" in at.error[0].value
    labels = {t.label: t.value for t in at.text_input}
    assert labels["Partner 1 name"] == "Yui"


def test_the_couple_record_shows_partners_and_logs_a_session(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Sessions")
    assert at.title[0].value == "Rivera"
    assert "Contact: lena@mail.example" in [t.value for t in at.text]
    next(a for a in at.text_area if a.label.startswith("Private notes (never")).input("Calm start.")
    next(b for b in at.button if b.label == "Save session").click().run()
    assert not at.exception
    assert "1 session(s)" in at.caption[0].value


def test_the_couple_record_opens_on_the_agenda_and_draws_no_other_tab(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"])
    assert [t.label for t in at.tabs][:2] == ["Agenda", "Check-ins"]
    assert "Since the last session" in [s.value for s in at.subheader]
    assert "Log session 1" not in [s.value for s in at.subheader]
    assert not [b for b in at.button if b.label in ("Issue a link", "Pause")]


def test_a_tab_clicked_is_the_only_tab_drawn(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Links")
    assert [b.label for b in at.button if b.label == "Issue a link"] == ["Issue a link"] * 2
    assert "Since the last session" not in [s.value for s in at.subheader]


def test_a_tab_named_in_the_url_opens_on_a_reload(harbor):
    at = signed_in_app(harbor["ada"]).run()
    at.switch_page("pages/couple.py")
    at.query_params.update({"couple": str(harbor["rivera"]), "tab": "Sessions"})
    at.run()
    assert "Log session 1" in [s.value for s in at.subheader]
    assert "Since the last session" not in [s.value for s in at.subheader]


@pytest.mark.parametrize("raw", ["", "links", "<script>alert(1)</script>", "Agenda" * 500])
def test_an_unknown_tab_in_the_url_opens_the_agenda(harbor, raw):
    at = signed_in_app(harbor["ada"]).run()
    at.switch_page("pages/couple.py")
    at.query_params.update({"couple": str(harbor["rivera"]), "tab": raw})
    at.run()
    assert not at.exception
    assert at.title[0].value == "Rivera"
    assert "Since the last session" in [s.value for s in at.subheader]


@contextmanager
def sent_statements():
    """The SQL every engine sends meanwhile (the app builds its own engine)."""
    sent: list[str] = []

    def one_more(_connection, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(Engine, "before_cursor_execute", one_more)
    try:
        yield sent
    finally:
        event.remove(Engine, "before_cursor_execute", one_more)


@pytest.mark.parametrize(
    "tab", ["Agenda", "Check-ins", "Assignments", "Links", "Sessions", "Details and status"]
)
def test_a_rerun_of_the_couple_record_reads_the_couple_and_partners_once(harbor, tab):
    at = open_couple(harbor["ada"], harbor["rivera"], tab=tab)
    with sent_statements() as sent:
        at.run()
    assert not at.exception and at.title[0].value == "Rivera"
    reads = [re.search(r"\bFROM (\w+)", statement).group(1) for statement in sent]
    # The details tab also reads the schedule's inputs (services/schedules.py), in reach of the
    # counselor and joined with the practice: one more statement each, whatever the partners.
    expected = (2, 2) if tab == "Details and status" else (1, 1)
    assert (reads.count("couple"), reads.count("partner")) == expected
    # The view was audited on opening; this browser session knows it, and reads nothing for it.
    assert "audit_event" not in reads


def agenda_titles(at) -> str:
    """The agenda items' titles as read on screen (they are Markdown-escaped)."""
    return as_shown(" ".join(m.value for m in at.markdown))


def test_the_open_agenda_shows_a_check_in_sent_meanwhile(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"])
    assert "Lena: no check-in since the last session" in agenda_titles(at)
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        lena = shown_links(uow, harbor["rivera"])[0].partner_id
    partner = PartnerActor(lena, harbor["rivera"], harbor["ada"].practice_id, 0, "Lena")
    with PartnerWork(harbor["factory"], partner) as uow:
        checkins.submit_checkin(
            uow, get_catalog(), {"honest-talk": 3, **REQUIRED}, "", False, True, "new"
        )
    at.run()
    assert "Lena: 1 new check-in(s)" in agenda_titles(at)


# The answers a check-in cannot be sent without (the trust pulse's `required`).
REQUIRED = {"overall-trust": 5, "felt-unsafe": 0}



def test_a_safety_alert_is_acknowledged_with_a_note_and_the_same_counselor_can_undo_it(harbor):
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        lena = shown_links(uow, harbor["rivera"])[0].partner_id
    partner = PartnerActor(lena, harbor["rivera"], harbor["ada"].practice_id, 0, "Lena")
    with PartnerWork(harbor["factory"], partner) as uow:
        checkins.submit_checkin(uow, get_catalog(), UNSAFE_CHECKIN, "", False, True, "unsafe")
    at = open_couple(harbor["ada"], harbor["rivera"])
    acknowledge = next(b for b in at.button if b.label == "Acknowledge")
    acknowledge.click().run()
    assert not at.exception
    assert any("what was done" in e.value for e in at.error)
    assert any("Lena" in e.value and "safety" in e.value.lower() for e in at.error)

    note = next(t for t in at.text_input if t.label.startswith("What was done"))
    note.input("Phoned Lena; safety plan reviewed.")
    next(b for b in at.button if b.label == "Acknowledge").click().run()
    assert not at.exception
    assert not [b for b in at.button if b.label == "Acknowledge"]
    shown = " ".join(t.value for t in at.text)
    assert "What was done: Phoned Lena; safety plan reviewed." in shown

    next(b for b in at.button if b.label == "Undo").click().run()
    assert not at.exception
    assert [b.label for b in at.button if b.label == "Acknowledge"] == ["Acknowledge"]
    assert not [t for t in at.text_input if t.value]


def test_another_counselors_couple_id_in_the_url_is_not_found(harbor):
    at = open_couple(harbor["ben"], harbor["rivera"])
    assert at.warning[0].value == "That couple was not found in your caseload."
    assert "Rivera" not in [t.value for t in at.title]
    assert "Lena" not in str([e.value for e in at.text])


@pytest.mark.parametrize(
    "raw", ["abc", "-1", "0", "999999", "", "99999999999999999999999", "9" * 5000]
)
def test_a_nonsense_couple_id_is_not_found(harbor, raw):
    at = signed_in_app(harbor["ada"]).run()
    at.switch_page("pages/couple.py")
    at.query_params["couple"] = raw
    at.run()
    assert not at.exception
    assert at.warning[0].value == "That couple was not found in your caseload."


def test_issuing_a_link_shows_it_once_with_a_qr_code_option(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Links")
    next(b for b in at.button if b.label == "Issue a link").click().run()
    assert not at.exception
    assert any("/checkin?t=" in c.value for c in at.code)
    assert "Active" in " ".join(m.value for m in at.markdown)


def test_a_new_link_names_the_port_the_server_runs_on_when_no_base_url_is_set(harbor, monkeypatch):
    """`make run PORT=8600` without TRUSTCARE_BASE_URL: links name 8600, not 8501."""
    from streamlit import config

    monkeypatch.delenv("TRUSTCARE_BASE_URL", raising=False)
    port = config.get_option("server.port")
    config.set_option("server.port", 8600)
    try:
        at = open_couple(harbor["ada"], harbor["rivera"], tab="Links")
        next(b for b in at.button if b.label == "Issue a link").click().run()
    finally:
        config.set_option("server.port", port)
    assert not at.exception
    issued = [c.value for c in at.code if "/checkin?t=" in c.value]
    assert issued and issued[0].startswith("http://localhost:8600/checkin?t=")


def test_the_practices_base_url_wins_over_the_servers_address(harbor):
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        admin.save_practice_settings(uow, {"base_url": "https://care.harbor.example"}, None)
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Links")
    next(b for b in at.button if b.label == "Issue a link").click().run()
    issued = [c.value for c in at.code if "/checkin?t=" in c.value]
    assert issued and issued[0].startswith("https://care.harbor.example/checkin?t=")


@pytest.mark.parametrize("chunk", range(6))
def test_the_counselor_sees_every_blns_reflection_exactly_as_text(harbor, blns, chunk):
    strings = blns[chunk * 100 : (chunk + 1) * 100]
    factory, catalog = harbor["factory"], get_catalog()
    with CounselorWork(factory, harbor["ada"]) as uow:
        lena = shown_links(uow, harbor["rivera"])[0].partner_id
    actor = PartnerActor(lena, harbor["rivera"], harbor["ada"].practice_id, 0, "Lena")
    for number, text in enumerate(strings):
        with PartnerWork(factory, actor) as uow:
            checkins.submit_checkin(
                uow,
                catalog,
                {"honest-talk": 2, **REQUIRED},
                text,
                True,
                False,
                f"b{chunk}-{number}",
            )
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Check-ins")
    assert not at.exception
    shown = list(at.dataframe[0].value["Note"])
    assert sorted(shown) == sorted(strings)
    rendered = " ".join(str(m.value) for m in at.markdown)
    assert "<script>" not in rendered and "onerror" not in rendered


def test_the_library_filters_modules_and_previews_them(harbor):
    at = signed_in_app(harbor["ada"]).run()
    at.switch_page("pages/library.py").run()
    assert at.title[0].value == "Library"
    barrier = next(m for m in at.multiselect if m.label == "Barrier addressed")
    barrier.set_value(["jealousy"]).run()
    options = next(s for s in at.selectbox if s.label == "Module").options
    assert options and all("jealous" in o.lower() or "boundar" in o.lower() for o in options)
    assert "As a client sees it on a phone" in [s.value for s in at.subheader]


def test_counselors_have_no_admin_page_and_admins_do(harbor):
    counselor = signed_in_app(harbor["ben"]).run()
    with pytest.raises(Exception):  # noqa: B017 - AppTest refuses a page not in the navigation
        counselor.switch_page("pages/counselors.py").run()
    admin = signed_in_app(harbor["ada"]).run()
    admin.switch_page("pages/counselors.py").run()
    assert admin.title[0].value == "Counselors"


def test_the_demo_practice_opens_for_its_counselor(app_factory):
    demo.seed_demo(partial(unscoped_work, app_factory))
    login = demo.DEMO_LOGINS[1]
    actor = accounts.authenticate(partial(unscoped_work, app_factory), login.email, login.password)
    at = signed_in_app(actor).run()
    assert not at.exception and at.title[0].value == "Caseload"


def test_the_router_and_the_page_share_one_look_up_of_the_counselor_per_run(harbor):
    """app.py and the page both ask who is signed in; the counselor's row is read once a run,
    with the practice in the same statement, and read again on the next run, so a
    deactivation still takes effect on the next click."""
    at = signed_in_app(harbor["ben"]).run()
    looked_up = []

    def seen(_conn, _cursor, statement, *_args):
        # The login's columns (the caseload's count also reads the caseload revision).
        if re.search(r"\bcounselor\.session_version\b", statement):
            looked_up.append(statement)

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        at.run()
        assert at.title[0].value == "Caseload"
        assert len(looked_up) == 1, looked_up
        # The same statement records the page run (automatic sign-out, trustcare/sign_out.py).
        assert looked_up[0].lstrip().startswith("UPDATE login SET"), looked_up[0]
        with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
            admin.deactivate_counselor(uow, harbor["ben"].counselor_id)
        at.run()
    finally:
        event.remove(Engine, "before_cursor_execute", seen)
    assert not at.exception
    assert at.title[0].value == "Sign in to TrustCare"


def switch_tab(at, tab):
    at.session_state["tab"] = tab
    return at.run()


def test_half_written_session_notes_survive_a_look_at_another_tab(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Sessions")
    draft = "Lena spoke first; Marco listened without interrupting."
    next(a for a in at.text_area if a.label.startswith("Private notes (never")).input(draft).run()
    switch_tab(at, "Agenda")
    assert not [a for a in at.text_area if a.label.startswith("Private notes (never")]
    switch_tab(at, "Sessions")
    assert (
        next(a for a in at.text_area if a.label.startswith("Private notes (never")).value == draft
    )
    next(b for b in at.button if b.label == "Save session").click().run()
    assert not at.exception
    assert "1 session(s)" in at.caption[0].value
    assert next(a for a in at.text_area if a.label.startswith("Private notes (never")).value == ""


def test_a_half_written_note_to_the_client_survives_a_tab_switch_and_goes_with_the_module(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Assignments")
    note = "Try the first exercise before Thursday."
    next(a for a in at.text_area if a.label.startswith("A note to the client")).input(note).run()
    switch_tab(at, "Links")
    switch_tab(at, "Assignments")
    assert next(a for a in at.text_area if a.label.startswith("A note to the client")).value == note
    next(s for s in at.selectbox if s.label == "Module").set_value("open-communication")
    next(s for s in at.selectbox if s.label == "For").set_value("both")
    next(b for b in at.button if b.label == "Assign").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["Module"]) == ["Open and honest communication (v1)"]
    assert next(a for a in at.text_area if a.label.startswith("A note to the client")).value == ""
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        partner_id = shown_links(uow, harbor["rivera"])[0].partner_id
    with PartnerWork(
        harbor["factory"],
        PartnerActor(partner_id, harbor["rivera"], harbor["ada"].practice_id, 0, "Lena"),
    ) as uow:
        page = checkins.client_page(uow, get_catalog())
    assert [a.note_to_client for a in page.assignments] == [note]


def test_the_assign_forms_for_box_starts_unchosen_and_a_choice_is_required(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Assignments")
    box = next(s for s in at.selectbox if s.label == "For")
    assert box.value is None
    next(b for b in at.button if b.label == "Assign").click().run()
    assert not at.exception
    assert any("Choose who the module is for" in e.value for e in at.error)
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        partner_id = shown_links(uow, harbor["rivera"])[0].partner_id
    with PartnerWork(
        harbor["factory"],
        PartnerActor(partner_id, harbor["rivera"], harbor["ada"].practice_id, 0, "Lena"),
    ) as uow:
        assert not checkins.client_page(uow, get_catalog()).assignments


def details_field(at, label):
    return next(t for t in at.text_input if t.label == label)


def click(at, label):
    return next(b for b in at.button if b.label == label).click().run()


def test_a_half_made_rename_survives_a_look_at_another_tab_and_is_saved(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Details and status")
    details_field(at, "Couple label").input("Rivera Lopez").run()
    details_field(at, "Partner 2 contact").input("marco@mail.example").run()
    switch_tab(at, "Agenda")
    assert not [t for t in at.text_input if t.label == "Couple label"]
    switch_tab(at, "Details and status")
    assert details_field(at, "Couple label").value == "Rivera Lopez"
    click(at, "Save details")
    assert not at.exception and at.title[0].value == "Rivera Lopez"
    assert details_field(at, "Partner 1 contact").value == "lena@mail.example"
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        record = shown_record(uow, harbor["rivera"])
    assert [p.contact for p in record.partners] == ["lena@mail.example", "marco@mail.example"]


def test_a_refused_rename_stays_as_typed_with_the_reason_and_can_be_discarded(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Details and status")
    details_field(at, "Partner 1 name").input("   ").run()
    click(at, "Save details")
    assert not at.exception and at.title[0].value == "Rivera"
    assert details_field(at, "Partner 1 name").value == "   "
    assert [e.value for e in at.error], "the refusal says what to fix"
    click(at, "Discard changes")
    assert details_field(at, "Partner 1 name").value == "Lena"
    assert not at.error


def test_an_untouched_field_follows_a_rename_made_elsewhere(harbor):
    at = open_couple(harbor["ada"], harbor["rivera"], tab="Details and status")
    details_field(at, "Partner 2 name").input("Marc").run()
    with CounselorWork(harbor["factory"], harbor["ada"]) as uow:
        couples.update_couple(
            uow,
            harbor["rivera"],
            "Rivera Home",
            [couples.PartnerInput("Lena"), couples.PartnerInput("Marco")],
        )
    at.run()
    assert details_field(at, "Couple label").value == "Rivera Home"
    assert details_field(at, "Partner 2 name").value == "Marc"  # the counselor's own change
