"""Practice administration: counselor accounts, handing couples over, practice settings, and
break-glass reading of another counselor's couple.

Every function starts with `uow.require_admin()` and writes what it changed to the audit trail.
An admin is not a clinician of other counselors' couples: the hand-over list shows labels,
counselors and statuses only. Reading a record outside one's own caseload takes the explicit
break-glass action, with a typed reason that goes into the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from trustcare.errors import CoupleNotFound, InvalidInput, NotFound
from trustcare.models import LABEL_MAX, Counselor, Couple, Practice
from trustcare.passwords import hash_password, password_problem
from trustcare.persistence.uow import CounselorWork
from trustcare.practice_settings import PracticeSettings, form_label
from trustcare.services import accounts
from trustcare.services.couples import CoupleRecord, record_of
from trustcare.services.validation import (
    EMAIL_PATTERN,
    clean_long_text,
    clean_optional,
    label_key,
)

BREAK_GLASS_REASON_MIN = 15
BREAK_GLASS_REASON_MAX = 500
HANDOVER_LIMIT = 50
# NFKC and case folding turn one character into at most 18, so no label's key is longer; a
# longer search cannot match one, and is never sent to the database as a pattern.
LABEL_KEY_MAX = 18 * LABEL_MAX


class CounselorNotFound(NotFound):
    def __init__(self) -> None:
        super().__init__("That counselor was not found in this practice.")


@dataclass(frozen=True)
class CounselorRow:
    id: int
    name: str
    email: str
    role: str
    active: bool
    sign_in: str
    sign_on_linked: bool
    couples: int


@dataclass(frozen=True)
class HandoverRow:
    couple_id: int
    label: str
    status: str
    counselor_id: int
    counselor: str


@dataclass(frozen=True)
class CounselorChoice:
    id: int
    name: str
    active: bool


@dataclass(frozen=True)
class HandoverView:
    """The couples matching a search, at most `HANDOVER_LIMIT` of them, and the counselors."""

    rows: list[HandoverRow]
    more: bool  # more couples match than are listed
    searched: bool
    counselors: list[CounselorChoice]


@dataclass(frozen=True)
class PracticeSettingsView:
    """The settings as an admin may see them: the SMTP password is never handed back."""

    settings: PracticeSettings
    smtp_password_stored: bool
    # What was wrong with the stored record, if the defaults are shown instead ("" if nothing).
    problem: str = ""


def _sign_in_kind(has_password: bool, sign_on_linked: bool) -> str:
    if sign_on_linked:
        return "single sign-on (linked)"
    if has_password:
        return "local password"
    return "single sign-on (not signed on yet)"


def _counselor(uow: CounselorWork, counselor_id: int) -> Counselor:
    counselor = uow.accounts.in_practice_by_id(counselor_id)
    if counselor is None:
        raise CounselorNotFound()
    return counselor


def _practice_couple(uow: CounselorWork, couple_id: int) -> Couple:
    couple = uow.practice.practice_couple(couple_id)
    if couple is None:
        raise CoupleNotFound()
    return couple


def counselor_roster(uow: CounselorWork) -> list[CounselorRow]:
    """Everyone with an account, how they sign in, and how many couples they counsel (one
    statement, see `AccountRepository.roster`)."""
    uow.require_admin()
    rows = uow.accounts.roster()
    return [
        CounselorRow(
            id=counselor_id,
            name=name,
            email=email,
            role=role,
            active=active,
            sign_in=_sign_in_kind(has_password, linked),
            sign_on_linked=linked,
            couples=couples,
        )
        for counselor_id, name, email, role, active, has_password, linked, couples in rows
    ]


def deactivate_counselor(uow: CounselorWork, counselor_id: int) -> int:
    """Stop a counselor signing in and end their open logins; returns couples left to hand over."""
    uow.require_admin()
    counselor = _counselor(uow, counselor_id)
    if counselor.id == uow.actor.counselor_id:
        raise InvalidInput({"counselor": "you cannot deactivate yourself; ask another admin"})
    if not counselor.is_active:
        raise InvalidInput({"counselor": f"{counselor.display_name} is already deactivated"})
    counselor.is_active = False
    counselor.session_version += 1
    uow.record("counselor.deactivate", "counselor", counselor.id)
    uow.commit()
    return uow.practice.open_couples_of(counselor.id)


def reactivate_counselor(uow: CounselorWork, counselor_id: int) -> None:
    uow.require_admin()
    counselor = _counselor(uow, counselor_id)
    if counselor.is_active:
        raise InvalidInput({"counselor": f"{counselor.display_name} is already active"})
    counselor.is_active = True
    uow.record("counselor.reactivate", "counselor", counselor.id)
    uow.commit()


def reset_password(uow: CounselorWork, counselor_id: int, new_password: str) -> None:
    """Give a counselor a new local password; their open logins end and throttling is lifted."""
    uow.require_admin()
    counselor = _counselor(uow, counselor_id)
    if problem := password_problem(new_password):
        raise InvalidInput({"password": problem})
    counselor.password_hash = hash_password(new_password)
    counselor.session_version += 1
    accounts.lift_throttle(uow, counselor.email)
    uow.record("counselor.reset_password", "counselor", counselor.id)
    uow.commit()


def reset_two_factor(uow: CounselorWork, counselor_id: int) -> None:
    """A lost phone: the counselor's authenticator and recovery codes go, their open logins
    and remembered browsers end; they sign in with the password and set it up again."""
    uow.require_admin()
    counselor = _counselor(uow, counselor_id)
    if not uow.accounts.clear_two_factor(counselor):
        raise InvalidInput({"counselor": f"{counselor.display_name} has no two-factor sign-in"})
    counselor.session_version += 1
    uow.record("counselor.reset_two_factor", "counselor", counselor.id)
    uow.commit()


def with_two_factor(uow: CounselorWork) -> set[int]:
    """The ids of the practice's accounts that have set up two-factor sign-in."""
    uow.require_admin()
    return uow.accounts.with_two_factor()


def forget_sign_on(uow: CounselorWork, counselor_id: int) -> None:
    """Unlink the provider identity (say, a recreated account): the next sign-on links by email."""
    uow.require_admin()
    counselor = _counselor(uow, counselor_id)
    if counselor.oidc_subject is None:
        raise InvalidInput({"counselor": f"{counselor.display_name} has no linked sign-on"})
    counselor.oidc_issuer = None
    counselor.oidc_subject = None
    counselor.session_version += 1
    uow.record("counselor.forget_sign_on", "counselor", counselor.id)
    uow.commit()


def handover_view(uow: CounselorWork, search: str = "") -> HandoverView:
    """The practice's couples by label whose label or counselor matches the search: nothing
    clinical, and never more than `HANDOVER_LIMIT` rows, so the page costs the same at any size.

    Counselors are few, so their names are matched here (with the same case and Unicode folding
    as labels); labels are matched by the database, a limited read along the label index.
    """
    uow.require_admin()
    counselors = [CounselorChoice(*row) for row in uow.accounts.choices()]
    names = {counselor.id: counselor.name for counselor in counselors}
    needle = label_key(search) if isinstance(search, str) else ""
    # A NUL is in no label, and PostgreSQL refuses it in a parameter.
    label_searchable = needle and "\x00" not in needle and len(needle) <= LABEL_KEY_MAX
    rows = uow.practice.handover_couples(
        HANDOVER_LIMIT + 1,
        searched=bool(needle),
        label_contains=needle if label_searchable else None,
        counselor_ids=[id_ for id_, name in names.items() if needle and needle in label_key(name)],
    )
    return HandoverView(
        rows=[
            HandoverRow(couple_id, label, status, counselor_id, names[counselor_id])
            for couple_id, label, status, counselor_id in rows[:HANDOVER_LIMIT]
        ],
        more=len(rows) > HANDOVER_LIMIT,
        searched=bool(needle),
        counselors=counselors,
    )


def hand_over_couple(
    uow: CounselorWork, couple_id: int, to_counselor_id: int, reason: str = ""
) -> None:
    """Move a couple, with its whole history, into another counselor's caseload.

    An admin who takes a couple into their own caseload gains everything break-glass guards
    (reflections, safety answers), so that hand-over asks for the same reason and is audited
    as a break-glass read too.
    """
    uow.require_admin()
    couple = _practice_couple(uow, couple_id)
    target = _counselor(uow, to_counselor_id)
    to_self = target.id == uow.actor.counselor_id and target.id != couple.counselor_id
    if to_self:
        reason = _break_glass_reason(reason)
    if not target.is_active:
        raise InvalidInput(
            {"counselor": f"{target.display_name} is deactivated; reactivate them first"}
        )
    if target.id == couple.counselor_id:
        raise InvalidInput({"counselor": f"{target.display_name} already counsels this couple"})
    label_clash = {
        "label": (
            f"“{couple.label}” is already the label of a couple in {target.display_name}'s "
            "caseload; rename one of the two couples first"
        )
    }
    if uow.practice.label_taken(target.id, couple.label_key):
        raise InvalidInput(label_clash)
    previous = couple.counselor_id
    if not uow.practice.move_couple(couple, target.id):
        raise InvalidInput(label_clash)
    uow.record(
        "couple.handover",
        "couple",
        couple.id,
        from_counselor=previous,
        to_counselor=target.id,
        **({"to_self": True} if to_self else {}),
    )
    if to_self:
        uow.record("couple.break_glass", "couple", couple.id, counselor=previous, reason=reason)
    uow.commit()


def delete_couple(uow: CounselorWork, couple_id: int, typed_label: str) -> None:
    """Delete a couple of the practice and everything of theirs, for good: partners, sessions,
    check-ins, assignments, links (so they stop working), reminders and caseload rows.

    The admin confirms by typing the couple's label exactly. The trail keeps the couple's id,
    its counselor and its status, never its label, names or anything clinical.
    """
    uow.require_admin()
    couple = _practice_couple(uow, couple_id)
    if not isinstance(typed_label, str) or typed_label != couple.label:
        raise InvalidInput(
            {"label": "type the couple's label exactly as it is shown to confirm the deletion"}
        )
    counselor_id, status = couple.counselor_id, couple.status
    uow.practice.delete_couple(couple)
    uow.record("couple.delete", "couple", couple_id, counselor=counselor_id, status=status)
    uow.commit()


def _break_glass_reason(reason: str) -> str:
    """The typed reason for reading outside one's caseload, or the problem with it."""
    problems: dict[str, str] = {}
    reason = clean_long_text(reason, "reason", BREAK_GLASS_REASON_MAX, problems).strip()
    if "reason" not in problems and len(reason) < BREAK_GLASS_REASON_MIN:
        problems["reason"] = (
            f"must say why you need to read this record (at least {BREAK_GLASS_REASON_MIN} "
            "characters)"
        )
    if problems:
        raise InvalidInput(problems)
    return reason


def read_record_break_glass(uow: CounselorWork, couple_id: int, reason: str) -> CoupleRecord:
    """Read any couple's record, read-only, once a reason is given; the reason is audited."""
    uow.require_admin()
    reason = _break_glass_reason(reason)
    couple = _practice_couple(uow, couple_id)
    record = record_of(uow, couple)
    uow.record(
        "couple.break_glass", "couple", couple.id, counselor=couple.counselor_id, reason=reason
    )
    uow.commit()
    return record


def _stored_settings(uow: CounselorWork) -> tuple[Practice, PracticeSettings]:
    practice = uow.practice.own_practice()
    return practice, uow.practice.settings()


def practice_settings(uow: CounselorWork) -> PracticeSettingsView:
    uow.require_admin()
    stored, problem = uow.practice.settings_and_problem()
    shown = stored.model_copy(update={"smtp": stored.smtp.model_copy(update={"password": ""})})
    return PracticeSettingsView(shown, bool(stored.smtp.password), problem)


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _check_free_text(values: dict[str, Any], problems: dict[str, str]) -> None:
    base_url = clean_optional(values.get("base_url", ""), "base_url", 300, problems)
    if base_url and not base_url.startswith(("https://", "http://")):
        problems["base_url"] = "must start with https:// (or http:// on a private network)"
    smtp = values.get("smtp") or {}
    clean_optional(smtp.get("host", ""), "smtp.host", 255, problems)
    sender = clean_optional(smtp.get("sender", ""), "smtp.sender", 254, problems)
    if sender and not EMAIL_PATTERN.match(sender):
        problems["smtp.sender"] = "must be an email address such as care@example.org"
    clean_long_text(values.get("support_text", ""), "support_text", 4000, problems)
    clean_long_text(values.get("support_text_es", ""), "support_text_es", 4000, problems)


def _settings_refused(problems: dict[str, str]) -> InvalidInput:
    """The problems found under each setting's key, named as the form labels that setting."""
    return InvalidInput({form_label(path): message for path, message in problems.items()})


def save_practice_settings(
    uow: CounselorWork, values: dict[str, Any], smtp_password: str | None
) -> list[str]:
    """Store new settings; `smtp_password` None keeps the stored one, "" removes it.

    Returns the names of the settings that changed (also in the audit trail, never the values
    of secrets).
    """
    uow.require_admin()
    practice, stored = _stored_settings(uow)
    problems: dict[str, str] = {}
    _check_free_text(values, problems)
    if problems:
        raise _settings_refused(problems)
    smtp = {**(values.get("smtp") or {})}
    smtp["password"] = stored.smtp.password if smtp_password is None else smtp_password
    try:
        new = PracticeSettings.model_validate({**values, "smtp": smtp})
    except ValidationError as error:
        raise _settings_refused(
            {".".join(str(part) for part in e["loc"]): e["msg"].lower() for e in error.errors()}
        ) from error
    before, after = _flatten(stored.model_dump()), _flatten(new.model_dump())
    changed = sorted(key for key in after if before.get(key) != after[key])
    if changed:
        practice.settings = new.model_dump(mode="json")
        uow.record("practice.settings", "practice", practice.id, changed=changed)
        uow.commit()
    return changed
