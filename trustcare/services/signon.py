"""Single sign-on: the practice's identity provider says who someone is; TrustCare says if they
may work here.

An identity maps to a counselor by its issuer and subject, which never change. The first time a
counselor signs on, their identity is found by the email the admin entered and then linked, so
a later change of email at the provider changes nothing here, and nobody else can take over the
account by getting that email address.
"""

from __future__ import annotations

import datetime as dt
import logging

from trustcare.errors import ServiceError
from trustcare.identity import Actor, SignOnIdentity
from trustcare.models import Counselor, utcnow
from trustcare.persistence.uow import OpenUnscoped, UnscopedWork
from trustcare.services.accounts import actor_of

log = logging.getLogger(__name__)


class SignOnRefused(ServiceError):
    """The identity provider vouched for someone TrustCare will not let in (yet)."""


class SignOnExpired(SignOnRefused):
    def __init__(self) -> None:
        super().__init__("Your sign-in has expired. Please sign in again.")


class SignOnUnknown(SignOnRefused):
    def __init__(self) -> None:
        super().__init__(
            "You signed in, but this TrustCare does not know you yet. Ask your practice admin "
            "to add you as a counselor with the email address you sign in with."
        )


class SignOnDeactivated(SignOnRefused):
    def __init__(self) -> None:
        super().__init__(
            "Your TrustCare account has been deactivated. If you think this is a mistake, "
            "ask your practice admin."
        )


def _counselor_awaiting_link(uow: UnscopedWork, identity: SignOnIdentity) -> Counselor | None:
    """The counselor the admin added under this email, if the provider vouches for the email."""
    email = identity.email.strip().lower()
    if not email or identity.email_verified is False:
        return None
    counselor = uow.accounts.counselor_by_email(email)
    if counselor is not None and counselor.oidc_subject is not None:
        log.warning(
            "sign-on refused: counselor %s is already linked to another identity", counselor.id
        )
        return None
    return counselor


def sign_on(
    open_work: OpenUnscoped, identity: SignOnIdentity, now: dt.datetime | None = None
) -> Actor:
    """The counselor behind a fresh identity-provider login; links the identity on first use."""
    now = now or utcnow()
    if identity.is_expired(now):
        raise SignOnExpired()
    if not identity.issuer or not identity.subject:
        log.warning("sign-on refused: the ID token has no issuer or subject")
        raise SignOnUnknown()
    with open_work() as uow:
        counselor = uow.accounts.linked_counselor(identity.issuer, identity.subject)
        first_sign_on = counselor is None
        if counselor is None:
            counselor = _counselor_awaiting_link(uow, identity)
        if counselor is None:
            log.info("sign-on refused: no counselor for this identity (issuer %s)", identity.issuer)
            raise SignOnUnknown()
        audit = {
            "practice_id": counselor.practice_id,
            "actor_kind": "counselor",
            "actor_id": counselor.id,
        }
        if not counselor.is_active:
            uow.audit("login.refused", "counselor", counselor.id, **audit, method="sso")
            uow.commit()
            log.info("sign-on refused: counselor %s is deactivated", counselor.id)
            raise SignOnDeactivated()
        if first_sign_on:
            counselor.oidc_issuer = identity.issuer
            counselor.oidc_subject = identity.subject
            uow.audit("signon.link", "counselor", counselor.id, **audit, issuer=identity.issuer)
        uow.audit("login", "counselor", counselor.id, **audit, method="sso")
        uow.commit()
        return actor_of(counselor)
