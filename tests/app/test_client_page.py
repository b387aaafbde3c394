"""The client's own page, opened with each kind of token, through the real app script."""

from __future__ import annotations

import datetime as dt
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from tests.app.conftest import new_app, weekly_since_three_days_ago
from tests.couple_parts import shown_links
from trustcare.catalog import get_catalog
from trustcare.i18n import in_every_language
from trustcare.models import CheckIn, CheckinLink, Couple, Partner, Practice
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, assignments, couples, links

# Whose link it was is unknown, so the message comes in every language.
BAD_LINK = in_every_language("This link no longer works. Please ask your counselor for a new one.")
OWN_PHONE = in_every_language("Yes, this is my own phone", " / ")


@pytest.fixture
def rivera(app_factory):
    """A practice with couple Rivera (Lena and Marco), one module assigned to both."""
    admin = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    with CounselorWork(app_factory, admin) as uow:
        couple_id = couples.create_couple(
            uow, "Rivera", [couples.PartnerInput("Lena"), couples.PartnerInput("Marco")]
        )
        assignments.assign_module(
            uow, get_catalog(), couple_id, "open-communication", note="Try it before Thursday."
        )
        lena_id = shown_links(uow, couple_id)[0].partner_id
        issued = links.issue_link(uow, couple_id, lena_id, "http://testserver")
    return {
        "factory": app_factory,
        "admin": admin,
        "couple_id": couple_id,
        "lena": lena_id,
        "token": issued.url.split("t=", 1)[1],
    }


def client_app(token: str):
    at = new_app()
    at.query_params["t"] = token
    return at.run()


def all_text(at) -> str:
    parts = []
    for kind in (
        "title",
        "markdown",
        "text",
        "caption",
        "error",
        "info",
        "warning",
        "success",
        "subheader",
        "header",
    ):
        parts.extend(str(element.value) for element in getattr(at, kind))
    parts.extend(button.label for button in at.button)
    return "\n".join(parts)


def confirm(at):
    next(b for b in at.button if b.label.startswith("Yes, I am")).click().run()
    return at


def test_a_valid_link_greets_the_partner_and_asks_who_is_holding_the_phone(rivera):
    at = client_app(rivera["token"])
    assert not at.exception
    assert at.title[0].value == "Hello, Lena"
    assert [b.label for b in at.button] == ["Yes, I am Lena", "No, this is not me"]
    assert len(at.sidebar.children) == 0
    assert "Marco" not in all_text(at) and "Rivera" not in all_text(at)


def test_saying_it_is_not_me_shows_nothing_of_the_partners_page(rivera):
    at = client_app(rivera["token"])
    next(b for b in at.button if b.label == "No, this is not me").click().run()
    text = all_text(at)
    assert "someone else's" in text
    assert "Open and honest communication" not in text and len(at.tabs) == 0


def test_after_confirming_the_partner_sees_their_exercises_and_the_check_in(rivera):
    at = confirm(client_app(rivera["token"]))
    text = all_text(at)
    assert "Open and honest communication" in text
    assert "Try it before Thursday." in [t.value for t in at.text]
    assert [tab.label for tab in at.tabs] == ["Your exercises", "Check-in", "My progress"]
    assert "Marco" not in text and "Rivera" not in text


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "A" * 43, "%3Cscript%3E", "../../etc/passwd"],
    ids=["empty", "garbage", "well-formed-unknown", "encoded-script", "path"],
)
def test_a_bad_token_gets_one_plain_message_and_nothing_else(app_factory, rivera, token):
    at = client_app(token)
    assert not at.exception
    assert [i.value for i in at.info] == [BAD_LINK]
    assert len(at.button) == 0 and len(at.text_input) == 0 and len(at.text_area) == 0
    assert "Lena" not in all_text(at)


def test_a_tampered_token_gets_the_same_message(rivera):
    token = rivera["token"]
    at = client_app(token[:-2] + ("xy" if token[-2:] != "xy" else "zz"))
    assert [i.value for i in at.info] == [BAD_LINK]


def test_an_expired_token_gets_the_same_message(rivera):
    with rivera["factory"]() as session:
        session.execute(
            update(CheckinLink).values(expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
        )
        session.commit()
    at = client_app(rivera["token"])
    assert [i.value for i in at.info] == [BAD_LINK]


def test_a_revoked_token_gets_the_same_message(rivera):
    with CounselorWork(rivera["factory"], rivera["admin"]) as uow:
        links.revoke_links(uow, rivera["couple_id"], rivera["lena"])
    at = client_app(rivera["token"])
    assert [i.value for i in at.info] == [BAD_LINK]


def fill_checkin(at, consent: str | None = "Yes, show my scores", safety: str = "No"):
    checkin_radios = [r for r in at.radio if r.label.startswith("In the past two weeks")]
    for radio in checkin_radios[:8]:
        radio.set_value(3)
    overall = next(r for r in at.radio if r.label.startswith("Overall"))
    overall.set_value(7)
    practice = next(r for r in at.radio if r.label.startswith("In the past two weeks, how often"))
    practice.set_value(2)
    next(
        r for r in at.radio if r.label.startswith("In the past two weeks, have you felt")
    ).set_value(safety)
    if consent:
        next(r for r in at.radio if r.label.startswith("May your counselor")).set_value(consent)
    return at


def checkins_stored(factory) -> int:
    with factory() as session:
        return session.scalar(select(func.count(CheckIn.id)))


def send(at):
    next(b for b in at.button if b.label == "Send check-in").click().run()
    return at


def test_submitting_a_check_in_stores_it_once_and_thanks_the_partner(rivera):
    at = fill_checkin(confirm(client_app(rivera["token"])))
    send(at)
    assert not at.exception
    assert "Thank you. Your check-in is saved." in [s.value for s in at.success]
    assert checkins_stored(rivera["factory"]) == 1


def test_a_saved_check_in_is_answered_in_place_and_a_new_one_starts_when_asked(rivera):
    at = send(fill_checkin(confirm(client_app(rivera["token"]))))
    assert "Thank you. Your check-in is saved." in [s.value for s in at.success]
    assert "Send check-in" not in [b.label for b in at.button]
    next(b for b in at.button if b.label == "Start a new check-in").click().run()
    assert not at.exception
    assert "Thank you. Your check-in is saved." not in [s.value for s in at.success]
    assert "Send check-in" in [b.label for b in at.button]
    # A new form: nothing of the last check-in is chosen in it.
    assert all(radio.value is None for radio in at.radio)
    assert checkins_stored(rivera["factory"]) == 1


def test_consent_is_asked_at_the_first_check_in(rivera):
    at = fill_checkin(confirm(client_app(rivera["token"])), consent=None)
    send(at)
    assert "Please answer the question about showing your scores" in at.error[0].value
    assert checkins_stored(rivera["factory"]) == 0


def test_a_safety_answer_shows_support_resources_at_once(rivera):
    at = fill_checkin(confirm(client_app(rivera["token"])), safety="Yes")
    send(at)
    assert any("may not be safe" in w.value for w in at.warning)
    assert any("emergency" in t.value for t in at.text)


def test_a_double_tap_does_not_take_the_thank_you_and_the_support_text_away(rivera):
    """The second tap of a double tap reruns the page right after the first one saved: the
    answer to the check-in (and its safety support text) must still be there."""
    at = fill_checkin(confirm(client_app(rivera["token"])), safety="Yes")
    send(at)
    at.run()
    assert "Thank you. Your check-in is saved." in [s.value for s in at.success]
    assert any("may not be safe" in w.value for w in at.warning)
    assert checkins_stored(rivera["factory"]) == 1
    # The next thing the partner sends answers for itself.
    next(b for b in at.button if b.label == "Mark as done").click().run()
    assert "Thank you. Your check-in is saved." not in [s.value for s in at.success]
    assert not any("may not be safe" in w.value for w in at.warning)


def test_a_database_outage_keeps_the_answers_and_a_retry_stores_exactly_one(rivera, monkeypatch):
    from trustcare.errors import StorageUnavailable
    from trustcare.services import checkins

    real_submit = checkins.submit_checkin
    failures = iter([True])

    def submit_during_outage(*args, **kwargs):
        if next(failures, False):
            raise StorageUnavailable()
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(checkins, "submit_checkin", submit_during_outage)
    at = fill_checkin(confirm(client_app(rivera["token"])))
    next(a for a in at.text_area if a.label.startswith("Anything you want")).input("Kept safe")
    send(at)
    assert "could not save this just now" in at.error[0].value
    assert next(a for a in at.text_area if a.label.startswith("Anything")).value == "Kept safe"
    assert next(r for r in at.radio if r.label.startswith("Overall")).value == 7
    assert checkins_stored(rivera["factory"]) == 0
    send(at)
    assert checkins_stored(rivera["factory"]) == 1


def test_marking_an_exercise_done_with_a_reflection_shows_it_back(rivera):
    at = confirm(client_app(rivera["token"]))
    area = next(a for a in at.text_area if a.label == "Your reflection (optional)")
    area.input("We listened **without** interrupting <b>once</b>")
    next(b for b in at.button if b.label == "Mark as done").click().run()
    assert not at.exception
    shown = [a.value for a in at.text_area if a.label == "Your reflection (optional)"]
    assert "We listened **without** interrupting <b>once</b>" in shown
    assert any(b.label == "Save reflection" for b in at.button)


NASTY = [
    "<script>alert('x')</script>",
    "![tracker](https://tracker.example/pixel.png)",
    "$$\\frac{1}{0}$$ :red[alarm] :smile:",
    "<img src=x onerror=alert(1)>",
    "Ω≈ç√∫˜µ≤≥÷ 田中さんにあげて下さい 👩‍❤️‍👨",
]


@pytest.mark.parametrize("text", NASTY)
def test_a_nasty_reflection_goes_through_the_form_and_comes_back_exactly(rivera, text):
    at = fill_checkin(confirm(client_app(rivera["token"])))
    next(a for a in at.text_area if a.label.startswith("Anything you want")).input(text)
    send(at)
    with rivera["factory"]() as session:
        assert session.scalars(select(CheckIn.reflection)).one() == text


def test_sending_with_nothing_answered_is_refused_naming_what_is_missing(rivera):
    at = confirm(client_app(rivera["token"]))
    send(at)
    message = " ".join(e.value for e in at.error)
    assert "Overall, how much do you trust your partner right now?" in message
    assert "have you felt afraid of your partner" in message
    assert checkins_stored(rivera["factory"]) == 0
    assert not at.success


def test_sending_without_the_safety_answer_is_refused_and_nothing_is_stored(rivera):
    at = fill_checkin(confirm(client_app(rivera["token"])))
    next(
        r for r in at.radio if r.label.startswith("In the past two weeks, have you felt")
    ).set_value(None)
    send(at)
    message = " ".join(e.value for e in at.error)
    assert "have you felt afraid of your partner" in message
    assert checkins_stored(rivera["factory"]) == 0
    assert not at.success


def refuse_connections(monkeypatch):
    """Every engine refuses new connections, as a database that is down does."""
    from sqlalchemy.engine import Engine
    from sqlalchemy.exc import OperationalError

    def refused(self, *args, **kwargs):
        raise OperationalError("connect", {}, ConnectionRefusedError("connection refused"))

    monkeypatch.setattr(Engine, "connect", refused)


def test_answers_survive_a_database_that_refuses_connections_and_the_retry_stores_one(
    rivera, monkeypatch
):
    at = fill_checkin(confirm(client_app(rivera["token"])))
    next(a for a in at.text_area if a.label.startswith("Anything you want")).input("Kept safe")
    with monkeypatch.context() as outage:
        refuse_connections(outage)
        send(at)
        assert not at.exception
        assert any("could not save this just now" in e.value for e in at.error)
        assert next(a for a in at.text_area if a.label.startswith("Anything")).value == "Kept safe"
        assert next(r for r in at.radio if r.label.startswith("Overall")).value == 7
        at.run()
        assert not at.exception
        assert next(r for r in at.radio if r.label.startswith("Overall")).value == 7
    assert checkins_stored(rivera["factory"]) == 0
    send(at)
    assert not at.exception
    assert "Thank you. Your check-in is saved." in [s.value for s in at.success]
    assert checkins_stored(rivera["factory"]) == 1


def test_a_link_opened_while_the_database_is_down_says_so_plainly(rivera, monkeypatch):
    client_app(rivera["token"])  # the server is up: its context is built
    refuse_connections(monkeypatch)
    at = client_app(rivera["token"])  # a new visit, with nothing of the page held yet
    assert not at.exception
    assert any("cannot reach our records" in w.value for w in at.warning)


def test_the_form_says_answers_are_kept_only_while_the_page_is_open(rivera):
    at = confirm(client_app(rivera["token"]))
    assert any("kept only while this page stays open" in c.value for c in at.caption)


def room_app(token: str):
    at = new_app()
    at.query_params["room"] = token
    return at.run()


def test_the_session_rooms_qr_link_shows_nothing_private_and_moves_the_page_to_this_phone(rivera):
    with CounselorWork(rivera["factory"], rivera["admin"]) as uow:
        issued = links.issue_room_link(uow, rivera["couple_id"], rivera["lena"], "http://x")
    token = issued.url.split("room=", 1)[1]
    at = room_app(token)
    assert not at.exception
    shown = all_text(at)
    assert "Lena" not in shown and "Try it before Thursday." not in shown
    assert [b.label for b in at.button] == [OWN_PHONE]
    at.button[0].click().run()
    assert not at.exception
    assert "room" not in at.query_params and at.query_params["t"]
    assert any(t.value == "Hello, Lena" for t in at.title)
    again = room_app(token)
    assert [i.value for i in again.info] == [BAD_LINK]
    assert len(again.button) == 0


def _on_a_weekly_schedule(rivera, time_zone: str, practice_default: bool = False) -> None:
    """Rivera due every week on the weekday three days ago at 09:00 local; a 5-day window.

    The schedule is the couple's own, or with `practice_default` the practice's default (the
    couple has none of its own)."""
    schedule, since = weekly_since_three_days_ago()
    with rivera["factory"]() as session:
        settings = {"time_zone": time_zone}
        if practice_default:
            settings["checkin_schedule"] = schedule
        session.get(Practice, rivera["admin"].practice_id).settings = settings
        couple = session.get(Couple, rivera["couple_id"])
        couple.schedule = None if practice_default else schedule
        couple.schedule_since = since
        session.commit()


def test_a_partner_on_a_schedule_sees_what_is_due_and_by_when_in_the_practices_time(rivera):
    _on_a_weekly_schedule(rivera, "America/New_York")
    at = confirm(client_app(rivera["token"]))
    assert not at.exception
    closes = dt.datetime.combine(
        dt.date.today() + dt.timedelta(days=2), dt.time(9, 0), ZoneInfo("America/New_York")
    )
    expected = f"Your next check-in is due by {closes:%A} {closes.day} {closes:%B}, 09:00."
    assert [i.value for i in at.info if "due by" in i.value] == [expected]
    assert "Stop reminder emails" in [b.label for b in at.button]


def test_a_partner_without_a_schedule_sees_no_due_line_and_no_stop_button(rivera):
    at = confirm(client_app(rivera["token"]))
    assert not [i.value for i in at.info if "due by" in i.value]
    assert "Stop reminder emails" not in [b.label for b in at.button]


def test_the_practice_default_schedule_counts_for_a_couple_without_its_own(rivera):
    """The page skips the due state only when no schedule is in force: a couple without its
    own schedule follows the practice's default one."""
    _on_a_weekly_schedule(rivera, "America/New_York", practice_default=True)
    at = confirm(client_app(rivera["token"]))
    assert not at.exception
    assert [i.value for i in at.info if "due by" in i.value]
    assert "Stop reminder emails" in [b.label for b in at.button]


def test_a_partner_who_stopped_reminders_is_told_so_without_a_schedule_in_force(rivera):
    with rivera["factory"]() as session:
        session.get(Partner, rivera["lena"]).reminders_stopped_at = dt.datetime.now(dt.UTC)
        session.commit()
    at = confirm(client_app(rivera["token"]))
    assert "You stopped reminder emails. Ask your counselor if you want them back." in [
        c.value for c in at.caption
    ]
    assert "Stop reminder emails" not in [b.label for b in at.button]
