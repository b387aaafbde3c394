"""First run, the demo practice and signing in, through the real app script."""

from __future__ import annotations

from functools import partial

from sqlalchemy import func, select

from tests.app.conftest import as_shown, new_app
from trustcare.models import Couple, Practice
from trustcare.persistence.uow import unscoped_work
from trustcare.services import demo


def texts(at) -> str:
    return "\n".join(
        str(element.value)
        for kind in ("title", "markdown", "text", "caption", "error", "info", "warning", "success")
        for element in getattr(at, kind)
    )


def test_fresh_install_shows_the_setup_page(app_env):
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "Welcome to TrustCare"
    assert [button.label for button in at.button] == [
        "Create practice",
        "Explore the demo practice",
    ]


def test_creating_a_practice_signs_the_admin_in_to_an_empty_caseload(app_env, app_factory):
    at = new_app().run()
    at.text_input[0].input("Harbor Counseling")
    at.text_input[1].input("Ada Fictional")
    at.text_input[2].input("ada@harbor.example")
    at.text_input[3].input("correct horse battery")
    at.button[0].click().run()
    assert not at.exception
    assert at.title[0].value == "Caseload"
    assert "Your caseload is empty" in texts(at)


def test_setup_with_a_short_password_says_why_and_keeps_what_was_typed(app_env, app_factory):
    at = new_app().run()
    at.text_input[0].input("Harbor Counseling")
    at.text_input[1].input("Ada Fictional")
    at.text_input[2].input("ada@harbor.example")
    at.text_input[3].input("short")
    at.button[0].click().run()
    assert "Password** must be at least 10 characters" in at.error[0].value
    assert at.text_input[0].value == "Harbor Counseling"
    with app_factory() as session:
        assert session.scalar(select(func.count(Practice.id))) == 0


def test_exploring_the_demo_shows_its_logins_on_the_login_page(app_env, app_factory):
    at = new_app().run()
    next(b for b in at.button if b.label == "Explore the demo practice").click().run()
    assert not at.exception
    assert at.title[0].value == "Sign in to TrustCare"
    shown = as_shown(" ".join(m.value for m in at.markdown))
    for login in demo.DEMO_LOGINS:
        assert login.email in shown and login.password in shown
    with app_factory() as session:
        assert session.scalar(select(func.count(Couple.id))) == len(demo.DEMO_COUPLES)


def test_demo_logins_are_not_shown_for_a_real_practice(app_env, app_factory):
    from trustcare.services import accounts

    accounts.create_practice(
        partial(unscoped_work, app_factory), "Harbor", "Ada", "ada@harbor.example", "long password1"
    )
    at = new_app().run()
    assert at.title[0].value == "Sign in to TrustCare"
    assert "demo" not in texts(at).lower()
    assert not [login for login in demo.DEMO_LOGINS if login.email in texts(at)]


def _sign_in(at, email, password):
    at.text_input[0].input(email)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_right_password_opens_the_counselors_own_caseload(app_env, app_factory):
    demo.seed_demo(partial(unscoped_work, app_factory))
    login = demo.DEMO_LOGINS[1]
    at = _sign_in(new_app().run(), login.email, login.password)
    assert not at.exception
    assert at.title[0].value == "Caseload"
    labels = set(at.dataframe[0].value["Couple"])
    own = {c.label for c in demo.DEMO_COUPLES if c.counselor == 1 and c.status == "active"}
    assert labels == own


def test_wrong_password_is_refused_with_a_plain_message(app_env, app_factory):
    demo.seed_demo(partial(unscoped_work, app_factory))
    login = demo.DEMO_LOGINS[1]
    at = _sign_in(new_app().run(), login.email, "not the password")
    assert at.title[0].value == "Sign in to TrustCare"
    assert as_shown(at.error[0].value) == "That email and password do not match an active account."
    assert at.text_input[0].value == login.email


def test_signing_out_returns_to_the_login_page(app_env, app_factory):
    demo.seed_demo(partial(unscoped_work, app_factory))
    login = demo.DEMO_LOGINS[0]
    at = _sign_in(new_app().run(), login.email, login.password)
    at.sidebar.button[0].click().run()
    at.run()
    assert at.title[0].value == "Sign in to TrustCare"


def test_a_database_that_cannot_be_opened_gives_a_clear_page_not_a_traceback(
    app_env, monkeypatch, tmp_path
):
    blocker = tmp_path / "a-file-not-a-folder"
    blocker.write_text("x")
    monkeypatch.setenv("TRUSTCARE_DATABASE_URL", f"sqlite:///{blocker}/sub/trustcare.db")
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "TrustCare cannot start"
    assert "cannot create the database folder" in at.error[0].value


def test_a_database_from_a_newer_trustcare_is_refused_with_a_clear_page(app_env, app_factory):
    from sqlalchemy import text

    with app_factory() as session:
        session.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        session.commit()
    at = new_app().run()
    assert not at.exception
    assert at.title[0].value == "TrustCare cannot start"
    assert "newer than this TrustCare knows" in at.error[0].value


def test_password_managers_can_fill_the_login_fields(app_env, app_factory):
    demo.seed_demo(partial(unscoped_work, app_factory))
    at = new_app().run()
    assert at.text_input[1].proto.autocomplete == "current-password"
