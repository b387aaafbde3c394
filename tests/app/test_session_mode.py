"""Session mode and the progress page through the real app, with the privacy rules checked."""

from __future__ import annotations

import json
from functools import partial

import pytest

from tests.app.conftest import signed_in_app
from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.identity import PartnerActor
from trustcare.persistence.uow import CounselorWork, PartnerWork, unscoped_work
from trustcare.services import accounts, assignments, checkins, couples

ANSWERS = {
    "honest-talk": 1,
    "hiding-things": 3,
    "kept-word": 1,
    "there-for-me": 2,
    "safe-to-share": 1,
    "held-back": 3,
    "checking-up": 4,
    "feel-secure": 1,
    "overall-trust": 3,
    "practice-done": 1,
    "felt-unsafe": 0,
}
SECRETS = [
    "Private note: Marco mentioned a second phone",
    "lena@mail.example",
    "+1 555 0100",
    "Marco kept this reflection private",
    "Lena kept this reflection private too",
    "Okafor",
    "safety",
    "afraid",
]


@pytest.fixture
def rivera(app_factory):
    """Rivera, where Marco did not consent to share scores and Lena answered yes on safety."""
    catalog = get_catalog()
    ada = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(app_factory, ada) as uow:
        couple_id = couples.create_couple(
            uow,
            "Rivera",
            [
                couples.PartnerInput("Lena", "lena@mail.example"),
                couples.PartnerInput("Marco", "+1 555 0100"),
            ],
        )
        couples.create_couple(
            uow, "Okafor", [couples.PartnerInput("Chidi"), couples.PartnerInput("Tess")]
        )
        import datetime as dt

        couples.log_session(uow, couple_id, dt.date.today(), SECRETS[0])
        assignments.assign_module(uow, catalog, couple_id, "open-communication")
        lena, marco = (s.partner_id for s in shown_links(uow, couple_id))
    people = {
        pid: PartnerActor(pid, couple_id, ada.practice_id, 0, name)
        for pid, name in ((lena, "Lena"), (marco, "Marco"))
    }
    with PartnerWork(app_factory, people[marco]) as uow:
        checkins.submit_checkin(uow, catalog, ANSWERS, SECRETS[3], False, False, "m1")
    with PartnerWork(app_factory, people[lena]) as uow:
        checkins.submit_checkin(
            uow, catalog, {**ANSWERS, "felt-unsafe": 1}, SECRETS[4], False, False, "l1"
        )
    return ada, couple_id


def every_text(at) -> str:
    """Every value and label the app produced, in any element."""
    parts = []

    def walk(node):
        for attribute in ("value", "label", "body", "proto"):
            value = getattr(node, attribute, None)
            if value is not None and not callable(value):
                parts.append(str(value))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def open_session_mode(actor, couple_id):
    at = signed_in_app(actor).run()
    at.switch_page("pages/session.py")
    at.query_params["couple"] = str(couple_id)
    return at.run()


def open_progress(actor, couple_id, **state):
    """The progress page as the counselor opens it, with widget state (a tab, the axis) set."""
    at = signed_in_app(actor).run()
    at.switch_page("pages/progress.py")
    at.query_params["couple"] = str(couple_id)
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def lena_checks_in(app_factory, counselor, couple_id, key):
    with CounselorWork(app_factory, counselor) as uow:
        lena = shown_links(uow, couple_id)[0].partner_id
    actor = PartnerActor(lena, couple_id, counselor.practice_id, 0, "Lena")
    with PartnerWork(app_factory, actor) as uow:
        checkins.submit_checkin(uow, get_catalog(), ANSWERS, "", False, False, key)


SESSION_TABS = ["This week's exercise", "Our progress", "Shared reflections", "Check-in link"]


@pytest.mark.parametrize("tab", SESSION_TABS)
def test_session_mode_shows_nothing_private_when_no_partner_consented(rivera, tab):
    ada, couple_id = rivera
    at = open_session_mode(ada, couple_id)
    at.session_state[f"session_view_{couple_id}"] = tab
    at.run()
    assert not at.exception
    assert [t.label for t in at.tabs] == SESSION_TABS
    text = every_text(at)
    for secret in SECRETS:
        assert secret not in text, secret
    assert "Lena & Marco" in text
    assert len(at.dataframe) == 0 and len(at.get("plotly_chart")) == 0
    scores_note = "Scores appear here for each partner who chooses to share them"
    # Only the open tab is drawn, so each tab is checked on its own.
    assert (scores_note in text) == (tab == "Our progress")
    assert len(at.sidebar.children) == 0


def test_session_mode_walks_through_the_current_exercise_step_by_step(rivera):
    ada, couple_id = rivera
    at = open_session_mode(ada, couple_id)
    module = get_catalog().module("open-communication")
    first, second = module.exercises[0].steps[:2]
    assert any(first in str(m.value) for m in at.markdown)
    next(b for b in at.button if b.label == "Next").click().run()
    assert any(second in str(m.value) for m in at.markdown)
    next(b for b in at.button if b.label == "Previous").click().run()
    assert any(first in str(m.value) for m in at.markdown)


def test_the_counselor_chooses_which_assigned_exercise_to_walk_through(rivera, app_factory):
    ada, couple_id = rivera
    catalog = get_catalog()
    with CounselorWork(app_factory, ada) as uow:
        assignments.assign_module(uow, catalog, couple_id, "healthy-boundaries", None)
    at = open_session_mode(ada, couple_id)
    picker = at.selectbox(key=f"session_exercise_{couple_id}")
    older = catalog.module("open-communication")
    wanted = f"{older.title}: {older.exercises[1].title}"
    picker.select_index(picker.options.index(wanted)).run()
    assert not at.exception
    first, second = older.exercises[1].steps[:2]
    assert any(first in str(m.value) for m in at.markdown)
    next(b for b in at.button if b.label == "Next").click().run()
    assert any(second in str(m.value) for m in at.markdown)


def test_another_counselors_couple_cannot_be_put_on_screen(rivera, app_factory):
    ada, couple_id = rivera
    with CounselorWork(app_factory, ada) as uow:
        accounts.add_counselor(uow, "Ben", "ben@harbor.example", "long password 2")
    ben = accounts.authenticate(
        partial(unscoped_work, app_factory), "ben@harbor.example", "long password 2"
    )
    at = open_session_mode(ben, couple_id)
    assert at.warning[0].value == "That couple was not found in your caseload."
    assert "Lena" not in every_text(at)


def test_the_progress_page_shows_charts_alerts_and_the_check_in_table(rivera):
    ada, couple_id = rivera
    at = open_progress(ada, couple_id)
    assert not at.exception
    assert at.title[0].value.startswith("Progress: Lena")
    assert any("safety question" in e.value for e in at.error)
    assert [tab.label for tab in at.tabs] == [
        "Trust over time",
        "Gap between partners",
        "Practice and trust",
        "Subscales",
        "Check-ins",
        "Session feedback",
    ]
    assert len(at.get("plotly_chart")) == 1  # the open view only
    assert not at.dataframe

    at.session_state["progress_view"] = "Check-ins"
    at.run()
    assert not at.get("plotly_chart")
    table = at.dataframe[0].value
    assert list(table["Partner"]) == ["Lena", "Marco"]


@pytest.mark.parametrize("view", ["Gap between partners", "Practice and trust", "Subscales"])
def test_each_progress_view_draws_its_own_chart(rivera, view):
    ada, couple_id = rivera
    at = open_progress(ada, couple_id, progress_view=view)
    assert not at.exception
    [chart] = at.get("plotly_chart")
    drawn = json.loads(chart.proto.spec)
    assert drawn["data"] or drawn["layout"]["annotations"]


def test_a_check_in_sent_while_the_progress_page_is_open_shows_on_the_next_click(
    rivera, app_factory
):
    ada, couple_id = rivera
    at = open_progress(ada, couple_id, progress_view="Check-ins")
    assert len(at.dataframe[0].value) == 2
    lena_checks_in(app_factory, ada, couple_id, "l2")
    at.run()
    assert len(at.dataframe[0].value) == 3


def test_the_open_chart_is_drawn_again_when_a_check_in_arrives_and_reused_otherwise(
    rivera, app_factory
):
    ada, couple_id = rivera
    # By date, every check-in is a point of its own.
    at = open_progress(ada, couple_id, progress_along="date")

    def points() -> int:
        [chart] = at.get("plotly_chart")
        drawn = json.loads(chart.proto.spec)
        return sum(len(trace["x"]) for trace in drawn["data"] if trace.get("mode") != "lines")

    before = points()
    memo = at.session_state["chart_shown:progress_chart"]
    at.run()
    assert at.session_state["chart_shown:progress_chart"] is memo  # nothing new: reused
    lena_checks_in(app_factory, ada, couple_id, "l3")
    at.run()
    assert points() == before + 1
    assert at.session_state["chart_shown:progress_chart"] is not memo
