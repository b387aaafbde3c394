"""Single sign-on: an identity provider's identity becomes a counselor, or a clear refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import partial

import pytest
from sqlalchemy import select

from trustcare.errors import LoginFailed
from trustcare.identity import SignOnIdentity
from trustcare.models import AuditEvent, Counselor
from trustcare.persistence.uow import unscoped_work
from trustcare.services import accounts, admin, signon

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)
ISSUER = "https://id.harbor.example"


def identity(**changes) -> SignOnIdentity:
    """Ben as Harbor's identity provider describes him, valid for another hour."""
    ben = SignOnIdentity(
        issuer=ISSUER,
        subject="0f3c-ben",
        email="ben@harbor.example",
        email_verified=True,
        expires_at=NOW + dt.timedelta(hours=1),
    )
    return dataclasses.replace(ben, **changes)


def _actions(factory) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_first_sign_on_finds_the_counselor_by_email_and_links_the_identity(practice):
    actor = signon.sign_on(
        partial(unscoped_work, practice.factory), identity(email="BEN@harbor.example"), now=NOW
    )
    assert actor.counselor_id == practice.counselor.counselor_id
    with practice.factory() as session:
        ben = session.get(Counselor, actor.counselor_id)
        assert (ben.oidc_issuer, ben.oidc_subject) == (ISSUER, "0f3c-ben")
    assert _actions(practice.factory)[-2:] == ["signon.link", "login"]


def test_later_sign_ons_go_by_subject_even_when_the_email_changed(practice):
    signon.sign_on(partial(unscoped_work, practice.factory), identity(), now=NOW)
    actor = signon.sign_on(
        partial(unscoped_work, practice.factory), identity(email="benjamin@new.example"), now=NOW
    )
    assert actor.counselor_id == practice.counselor.counselor_id


def test_an_unknown_identity_is_refused(practice):
    stranger = identity(subject="zz-9", email="stranger@elsewhere.example")
    with pytest.raises(signon.SignOnUnknown, match="Ask your practice admin"):
        signon.sign_on(partial(unscoped_work, practice.factory), stranger, now=NOW)


def test_an_email_the_provider_has_not_verified_does_not_link(practice):
    with pytest.raises(signon.SignOnUnknown):
        signon.sign_on(
            partial(unscoped_work, practice.factory), identity(email_verified=False), now=NOW
        )


def test_a_provider_that_does_not_say_whether_the_email_is_verified_may_link(practice):
    assert signon.sign_on(
        partial(unscoped_work, practice.factory), identity(email_verified=None), now=NOW
    )


def test_someone_else_with_a_linked_counselors_email_cannot_take_the_account_over(practice):
    signon.sign_on(partial(unscoped_work, practice.factory), identity(), now=NOW)
    impostor = identity(subject="another-subject")
    with pytest.raises(signon.SignOnUnknown):
        signon.sign_on(partial(unscoped_work, practice.factory), impostor, now=NOW)
    with pytest.raises(signon.SignOnUnknown):
        signon.sign_on(
            partial(unscoped_work, practice.factory),
            identity(issuer="https://other-idp.example"),
            now=NOW,
        )


def test_a_deactivated_counselor_is_refused_and_the_refusal_audited(practice):
    signon.sign_on(partial(unscoped_work, practice.factory), identity(), now=NOW)
    with practice.work(practice.admin) as uow:
        admin.deactivate_counselor(uow, practice.counselor.counselor_id)
    with pytest.raises(signon.SignOnDeactivated, match="deactivated"):
        signon.sign_on(partial(unscoped_work, practice.factory), identity(), now=NOW)
    assert _actions(practice.factory)[-1] == "login.refused"


def test_a_deactivated_counselor_who_never_signed_on_is_refused_and_not_linked(practice):
    with practice.work(practice.admin) as uow:
        admin.deactivate_counselor(uow, practice.counselor.counselor_id)
    with pytest.raises(signon.SignOnDeactivated):
        signon.sign_on(partial(unscoped_work, practice.factory), identity(), now=NOW)
    with practice.factory() as session:
        assert session.get(Counselor, practice.counselor.counselor_id).oidc_subject is None


@pytest.mark.parametrize(
    "expires_at", [NOW, NOW - dt.timedelta(seconds=1), NOW - dt.timedelta(days=29), None]
)
def test_an_expired_identity_or_one_without_expiry_is_refused(practice, expires_at):
    with pytest.raises(signon.SignOnExpired):
        signon.sign_on(
            partial(unscoped_work, practice.factory), identity(expires_at=expires_at), now=NOW
        )


@pytest.mark.parametrize("changes", [{"issuer": ""}, {"subject": ""}])
def test_an_identity_without_issuer_or_subject_is_refused(practice, changes):
    with pytest.raises(signon.SignOnUnknown):
        signon.sign_on(partial(unscoped_work, practice.factory), identity(**changes), now=NOW)


def test_a_counselor_added_for_sign_on_can_sign_on_but_has_no_password(practice):
    with practice.work(practice.admin) as uow:
        cleo_id = accounts.add_counselor(uow, "Cleo Invented", "cleo@harbor.example", None)
    cleo = identity(subject="cleo-1", email="cleo@harbor.example")
    assert (
        signon.sign_on(partial(unscoped_work, practice.factory), cleo, now=NOW).counselor_id
        == cleo_id
    )
    with pytest.raises(LoginFailed):
        accounts.authenticate(partial(unscoped_work, practice.factory), "cleo@harbor.example", "")
