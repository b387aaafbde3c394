"""Two-factor sign-in through the real app: the code step after the password, setting it up
on "Your account", and a practice that requires it."""

from __future__ import annotations

import datetime as dt
from functools import partial

from tests.app.conftest import new_app, signed_in_app
from trustcare import two_factor
from trustcare.models import utcnow
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.services import accounts, admin
from trustcare.services import two_factor_enrolment as enrolment

ADA = ("ada@harbor.example", "long password1")


def _practice(app_factory):
    return accounts.create_practice(
        partial(unscoped_work, app_factory), "Harbor", "Ada Fictional", *ADA
    )


def _enrolled(app_factory, actor) -> str:
    earlier = utcnow() - dt.timedelta(minutes=2)
    with CounselorWork(app_factory, actor) as uow:
        secret = enrolment.begin(uow).secret
    with CounselorWork(app_factory, actor) as uow:
        enrolment.confirm(uow, two_factor.code_at(secret, earlier), now=earlier)
    return secret


def _password(at):
    at.text_input[0].input(ADA[0])
    at.text_input[1].input(ADA[1])
    return next(b for b in at.button if b.label == "Sign in").click().run()


def test_the_password_then_a_code_signs_in(app_env, app_factory):
    secret = _enrolled(app_factory, _practice(app_factory))
    at = _password(new_app().run())
    assert not at.exception
    assert at.title[0].value == "Sign in to TrustCare"
    assert [field.label for field in at.text_input] == ["Code"]
    at.text_input[0].input(two_factor.code_at(secret, utcnow()))
    next(b for b in at.button if b.label == "Continue").click().run()
    assert not at.exception
    assert at.title[0].value == "Caseload"


def test_a_wrong_code_says_so_and_asks_again(app_env, app_factory):
    _enrolled(app_factory, _practice(app_factory))
    at = _password(new_app().run())
    at.text_input[0].input("000000")
    next(b for b in at.button if b.label == "Continue").click().run()
    assert "does not match" in at.error[0].value
    assert [field.label for field in at.text_input] == ["Code"]


def test_setting_it_up_shows_the_key_and_then_the_recovery_codes_once(app_env, app_factory):
    ada = _practice(app_factory)
    at = signed_in_app(ada).run()
    at.switch_page("pages/account.py").run()
    assert not at.exception
    assert at.title[0].value == "Your account"
    [qr_code] = [h.value for h in at.get("html") if "data:image/png;base64," in h.value]
    assert 'alt="QR code that adds TrustCare to an authenticator app' in qr_code
    secret = at.code[0].value
    at.text_input[0].input(two_factor.code_at(secret, utcnow()))
    next(b for b in at.button if b.label == "Turn on two-factor sign-in").click().run()
    assert not at.exception
    codes = at.code[0].value.splitlines()
    assert len(codes) == 10 and all(two_factor.normal_recovery_code(c) == c for c in codes)
    next(b for b in at.button if b.label == "I have saved my recovery codes").click().run()
    assert "Two-factor sign-in is on" in at.success[0].value
    assert not at.code


def test_a_practice_that_requires_it_opens_nothing_before_set_up(app_env, app_factory):
    ada = _practice(app_factory)
    with CounselorWork(app_factory, ada) as uow:
        admin.save_practice_settings(uow, {"require_two_factor": True}, None)
    at = signed_in_app(ada).run()
    assert not at.exception
    assert at.title[0].value == "Your account"
    assert "requires two-factor sign-in" in at.warning[0].value
    secret = at.code[0].value
    at.text_input[0].input(two_factor.code_at(secret, utcnow()))
    next(b for b in at.button if b.label == "Turn on two-factor sign-in").click().run()
    next(b for b in at.button if b.label == "I have saved my recovery codes").click().run()
    at.switch_page("pages/caseload.py").run()
    assert at.title[0].value == "Caseload"


def test_an_admin_resets_a_counselors_second_factor_on_the_counselors_page(app_env, app_factory):
    ada = _practice(app_factory)
    _enrolled(app_factory, ada)
    at = signed_in_app(ada).run()
    at.switch_page("pages/counselors.py").run()
    assert not at.exception
    next(b for b in at.button if b.label == "Reset two-factor sign-in").click().run()
    assert not at.exception
    with CounselorWork(app_factory, ada, read_only=True) as uow:
        assert admin.with_two_factor(uow) == set()
