"""Practice administration: accounts, hand-over, settings, break-glass, and who may do any of it."""

from __future__ import annotations

import datetime as dt
import inspect
from dataclasses import fields
from functools import partial

import pytest
from sqlalchemy import select

from tests.couple_parts import shown_record
from trustcare.errors import CoupleNotFound, InvalidInput, LoginFailed, PermissionDenied
from trustcare.identity import SignOnIdentity
from trustcare.models import AuditEvent, Counselor, Couple, Practice
from trustcare.persistence.uow import unscoped_work
from trustcare.practice_settings import form_label
from trustcare.services import accounts, admin, audit, couples, signon
from trustcare.services.validation import label_key

LONG_ENOUGH_REASON = "Ben is on leave and Lena phoned the practice in distress."


def _ben_sign_on_identity(subject: str = "ben-subject") -> SignOnIdentity:
    return SignOnIdentity(
        issuer="https://id.harbor.example",
        subject=subject,
        email="ben@harbor.example",
        email_verified=True,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )


def _audit_actions(factory) -> list[str]:
    with factory() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


# Every admin service, called as a counselor would call it. The completeness test below fails
# when a new admin function is added without a line here.
ADMIN_CALLS = {
    "accounts.add_counselor": lambda uow, p: accounts.add_counselor(
        uow, "Mallory Pretend", "mallory@harbor.example", None
    ),
    "accounts.list_counselors": lambda uow, p: accounts.list_counselors(uow),
    "admin.counselor_roster": lambda uow, p: admin.counselor_roster(uow),
    "admin.deactivate_counselor": lambda uow, p: admin.deactivate_counselor(
        uow, p.admin.counselor_id
    ),
    "admin.reactivate_counselor": lambda uow, p: admin.reactivate_counselor(
        uow, p.admin.counselor_id
    ),
    "admin.reset_password": lambda uow, p: admin.reset_password(
        uow, p.admin.counselor_id, "a brand new password"
    ),
    "admin.forget_sign_on": lambda uow, p: admin.forget_sign_on(uow, p.admin.counselor_id),
    "admin.reset_two_factor": lambda uow, p: admin.reset_two_factor(uow, p.admin.counselor_id),
    "admin.with_two_factor": lambda uow, p: admin.with_two_factor(uow),
    "admin.handover_view": lambda uow, p: admin.handover_view(uow),
    "admin.hand_over_couple": lambda uow, p: admin.hand_over_couple(
        uow, p.admins_couple, p.counselor.counselor_id
    ),
    "admin.read_record_break_glass": lambda uow, p: admin.read_record_break_glass(
        uow, p.admins_couple, LONG_ENOUGH_REASON
    ),
    "admin.delete_couple": lambda uow, p: admin.delete_couple(uow, p.admins_couple, "Rivera"),
    "admin.practice_settings": lambda uow, p: admin.practice_settings(uow),
    "admin.save_practice_settings": lambda uow, p: admin.save_practice_settings(
        uow, {"link_expiry_days": 7}, None
    ),
    "audit.audit_choices": lambda uow, p: audit.audit_choices(uow),
    "audit.audit_events": lambda uow, p: audit.audit_events(uow, audit.AuditFilter()),
    "audit.export_audit_csv": lambda uow, p: audit.export_audit_csv(uow, audit.AuditFilter()),
}


def test_every_admin_service_function_is_in_the_permission_table():
    public = {
        f"{module.__name__.rsplit('.', 1)[1]}.{name}"
        for module in (admin, audit)
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module.__name__
        and not name.startswith("_")
        and "uow" in inspect.signature(function).parameters
    }
    assert public <= set(ADMIN_CALLS)


@pytest.mark.parametrize("service", sorted(ADMIN_CALLS))
def test_a_counselor_is_refused_every_admin_service(practice, service):
    before = _audit_actions(practice.factory)
    with practice.work(practice.counselor) as uow, pytest.raises(PermissionDenied):
        ADMIN_CALLS[service](uow, practice)
    assert _audit_actions(practice.factory) == before


def _deactivate_ben(practice):
    with practice.work(practice.admin) as uow:
        admin.deactivate_counselor(uow, practice.counselor.counselor_id)


def _link_ben(practice):
    signon.sign_on(partial(unscoped_work, practice.factory), _ben_sign_on_identity())


def _nothing(practice):
    return None


# (what to prepare, the admin action, the audit action it must leave behind)
AUDITED_ACTIONS = {
    "add a sign-on counselor": (
        _nothing,
        lambda uow, p: accounts.add_counselor(uow, "Cleo Invented", "cleo@harbor.example", None),
        "counselor.create",
    ),
    "deactivate": (
        _nothing,
        lambda uow, p: admin.deactivate_counselor(uow, p.counselor.counselor_id),
        "counselor.deactivate",
    ),
    "reactivate": (
        _deactivate_ben,
        lambda uow, p: admin.reactivate_counselor(uow, p.counselor.counselor_id),
        "counselor.reactivate",
    ),
    "reset a password": (
        _nothing,
        lambda uow, p: admin.reset_password(uow, p.counselor.counselor_id, "fresh password 9"),
        "counselor.reset_password",
    ),
    "forget a linked sign-on": (
        _link_ben,
        lambda uow, p: admin.forget_sign_on(uow, p.counselor.counselor_id),
        "counselor.forget_sign_on",
    ),
    "hand a couple over": (
        _nothing,
        lambda uow, p: admin.hand_over_couple(uow, p.admins_couple, p.counselor.counselor_id),
        "couple.handover",
    ),
    "break glass": (
        _nothing,
        lambda uow, p: admin.read_record_break_glass(uow, p.counselors_couple, LONG_ENOUGH_REASON),
        "couple.break_glass",
    ),
    "change practice settings": (
        _nothing,
        lambda uow, p: admin.save_practice_settings(uow, {"link_expiry_days": 14}, None),
        "practice.settings",
    ),
    "export the audit trail": (
        _nothing,
        lambda uow, p: audit.export_audit_csv(uow, audit.AuditFilter()),
        "audit.export",
    ),
}


@pytest.mark.parametrize("name", sorted(AUDITED_ACTIONS))
def test_every_admin_action_writes_an_audit_event(practice, name):
    prepare, act, expected = AUDITED_ACTIONS[name]
    prepare(practice)
    with practice.work(practice.admin) as uow:
        act(uow, practice)
    with practice.factory() as session:
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).one()
    assert (event.action, event.actor_kind, event.actor_id) == (
        expected,
        "counselor",
        practice.admin.counselor_id,
    )
    assert event.practice_id == practice.admin.practice_id


def test_a_sign_on_counselor_is_added_without_a_password(practice):
    with practice.work(practice.admin) as uow:
        cleo = accounts.add_counselor(uow, "Cleo Invented", "Cleo@Harbor.example", None)
        roster = {row.id: row for row in admin.counselor_roster(uow)}
    with practice.factory() as session:
        assert session.get(Counselor, cleo).password_hash is None
    assert roster[cleo].email == "cleo@harbor.example"
    assert roster[cleo].sign_in == "single sign-on (not signed on yet)"
    assert roster[practice.counselor.counselor_id].sign_in == "local password"
    assert roster[practice.counselor.counselor_id].couples == 1


def test_the_roster_says_how_each_counselor_signs_in_and_counts_their_couples(practice):
    _link_ben(practice)
    _add_couples(practice, ["Lee", "Novak"])
    with practice.work(practice.admin) as uow:
        cleo = accounts.add_counselor(uow, "Cleo Invented", "cleo@harbor.example", None)
        roster = admin.counselor_roster(uow)
    assert [(row.name, row.sign_in, row.sign_on_linked, row.couples) for row in roster] == [
        ("Ada Fictional", "local password", False, 1),
        ("Ben Imaginary", "single sign-on (linked)", True, 3),
        ("Cleo Invented", "single sign-on (not signed on yet)", False, 0),
    ]
    assert roster[2].id == cleo


def test_the_roster_takes_one_statement_however_many_couples(practice, count_statements):
    def roster():
        with practice.work(practice.admin) as uow:
            admin.counselor_roster(uow)

    assert count_statements(roster) == 1
    _add_couples(practice, [f"Bulk {number:03d}" for number in range(100)])
    assert count_statements(roster) == 1


def test_a_local_account_still_needs_a_long_enough_first_password(practice):
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        accounts.add_counselor(uow, "Cleo Invented", "cleo@harbor.example", "short")
    assert "password" in error.value.problems


def test_deactivating_a_counselor_ends_their_open_logins_and_refuses_new_ones(practice):
    ben = practice.counselor
    with practice.work(practice.admin) as uow:
        left_to_hand_over = admin.deactivate_counselor(uow, ben.counselor_id)
    assert left_to_hand_over == 1
    assert (
        accounts.actor_for_login(
            partial(unscoped_work, practice.factory), ben.counselor_id, ben.session_version
        )
        is None
    )
    with pytest.raises(LoginFailed):
        accounts.authenticate(
            partial(unscoped_work, practice.factory), "ben@harbor.example", "long password 2"
        )


def test_a_reactivated_counselor_can_sign_in_again(practice):
    _deactivate_ben(practice)
    with practice.work(practice.admin) as uow:
        admin.reactivate_counselor(uow, practice.counselor.counselor_id)
    assert accounts.authenticate(
        partial(unscoped_work, practice.factory), "ben@harbor.example", "long password 2"
    )


def test_an_admin_cannot_deactivate_themselves(practice):
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        admin.deactivate_counselor(uow, practice.admin.counselor_id)
    assert "yourself" in error.value.problems["counselor"]


def test_resetting_a_password_ends_open_logins_and_the_new_password_works(practice):
    ben = practice.counselor
    with practice.work(practice.admin) as uow:
        admin.reset_password(uow, ben.counselor_id, "fresh password 9")
    assert (
        accounts.actor_for_login(
            partial(unscoped_work, practice.factory), ben.counselor_id, ben.session_version
        )
        is None
    )
    with pytest.raises(LoginFailed):
        accounts.authenticate(
            partial(unscoped_work, practice.factory), "ben@harbor.example", "long password 2"
        )
    assert accounts.authenticate(
        partial(unscoped_work, practice.factory), "ben@harbor.example", "fresh password 9"
    )


def test_forgetting_a_linked_sign_on_lets_the_next_sign_on_link_again(practice):
    _link_ben(practice)
    with practice.work(practice.admin) as uow:
        admin.forget_sign_on(uow, practice.counselor.counselor_id)
    actor = signon.sign_on(
        partial(unscoped_work, practice.factory), _ben_sign_on_identity("ben-recreated")
    )
    assert actor.counselor_id == practice.counselor.counselor_id


def test_a_counselor_of_another_practice_is_not_found(practice):
    with practice.factory() as session:
        other = Practice(name="Elsewhere Counseling", settings={})
        session.add(other)
        session.flush()
        stranger = Counselor(
            practice_id=other.id, email="zed@elsewhere.example", display_name="Zed Made-up"
        )
        session.add(stranger)
        session.commit()
        stranger_id = stranger.id
    with practice.work(practice.admin) as uow, pytest.raises(admin.CounselorNotFound):
        admin.deactivate_counselor(uow, stranger_id)


def test_handover_moves_the_couple_and_its_sessions_into_the_new_caseload(practice):
    with practice.work(practice.admin) as uow:
        couples.log_session(uow, practice.admins_couple, dt.date(2026, 1, 5), "Fictional notes.")
    with practice.work(practice.admin) as uow:
        admin.hand_over_couple(uow, practice.admins_couple, practice.counselor.counselor_id)
    with practice.work(practice.counselor) as uow:
        record = shown_record(uow, practice.admins_couple)
    assert [s.notes for s in record.sessions] == ["Fictional notes."]
    with practice.work(practice.admin) as uow, pytest.raises(CoupleNotFound):
        shown_record(uow, practice.admins_couple)


def test_handover_into_a_caseload_with_the_same_label_is_a_clear_error(practice):
    with practice.work(practice.counselor) as uow:
        couples.create_couple(
            uow, "  rivera ", [couples.PartnerInput("Ana"), couples.PartnerInput("Rui")]
        )
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        admin.hand_over_couple(uow, practice.admins_couple, practice.counselor.counselor_id)
    assert error.value.problems["label"] == (
        "“Rivera” is already the label of a couple in Ben Imaginary's caseload; "
        "rename one of the two couples first"
    )
    with practice.work(practice.admin) as uow:
        assert shown_record(uow, practice.admins_couple).label == "Rivera"


def test_an_admin_cannot_take_a_couple_into_their_own_caseload_without_a_reason(practice):
    before = _audit_actions(practice.factory)
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        admin.hand_over_couple(uow, practice.counselors_couple, practice.admin.counselor_id)
    assert "must say why" in error.value.problems["reason"]
    with practice.work(practice.admin) as uow, pytest.raises(CoupleNotFound):
        shown_record(uow, practice.counselors_couple)
    assert _audit_actions(practice.factory) == before


def test_taking_a_couple_into_ones_own_caseload_is_audited_as_break_glass(practice):
    with practice.work(practice.admin) as uow:
        admin.hand_over_couple(
            uow, practice.counselors_couple, practice.admin.counselor_id, LONG_ENOUGH_REASON
        )
    with practice.factory() as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.record_id == practice.counselors_couple)
        ).all()
    by_action = {event.action: event.detail for event in events}
    assert by_action["couple.handover"]["to_self"] is True
    assert by_action["couple.break_glass"] == {
        "counselor": practice.counselor.counselor_id,
        "reason": LONG_ENOUGH_REASON,
    }


def test_handing_a_couple_to_another_counselor_asks_for_no_reason(practice):
    with practice.work(practice.admin) as uow:
        admin.hand_over_couple(uow, practice.admins_couple, practice.counselor.counselor_id)
    assert "couple.break_glass" not in _audit_actions(practice.factory)


def test_handover_to_a_deactivated_counselor_is_refused(practice):
    _deactivate_ben(practice)
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        admin.hand_over_couple(uow, practice.admins_couple, practice.counselor.counselor_id)
    assert "deactivated" in error.value.problems["counselor"]


def test_the_handover_list_shows_labels_counselors_and_statuses_and_nothing_clinical(practice):
    with practice.work(practice.admin) as uow:
        view = admin.handover_view(uow)
    assert {field.name for field in fields(admin.HandoverRow)} == {
        "couple_id",
        "label",
        "status",
        "counselor_id",
        "counselor",
    }
    assert [(row.label, row.counselor, row.status) for row in view.rows] == [
        ("Okafor", "Ben Imaginary", "active"),
        ("Rivera", "Ada Fictional", "active"),
    ]
    assert not view.more and not view.searched


def _found(practice, search: str) -> list[str]:
    with practice.work(practice.admin) as uow:
        return [row.label for row in admin.handover_view(uow, search).rows]


def _add_couples(practice, labels: list[str]) -> None:
    """Couples in Ben's caseload, written directly: the hand-over list reads labels only."""
    with practice.factory() as session:
        session.add_all(
            Couple(
                practice_id=practice.counselor.practice_id,
                counselor_id=practice.counselor.counselor_id,
                label=label,
                label_key=label_key(label),
            )
            for label in labels
        )
        session.commit()


@pytest.mark.parametrize(
    ("search", "found"),
    [
        ("", ["Okafor", "Rivera"]),
        ("riv", ["Rivera"]),
        ("  RIVERA ", ["Rivera"]),
        ("ben", ["Okafor"]),
        ("ada fictional", ["Rivera"]),
        ("IMAGINARY", ["Okafor"]),
        ("a", ["Okafor", "Rivera"]),
        ("nobody here", []),
    ],
)
def test_the_handover_search_finds_couples_by_label_or_counselor(practice, search, found):
    assert _found(practice, search) == found


def test_the_handover_search_folds_case_and_unicode_like_labels_do(practice):
    _add_couples(practice, ["Straße Family", "ＷＩＤＥ Wong"])
    assert _found(practice, "STRASSE") == ["Straße Family"]
    assert _found(practice, "wide") == ["ＷＩＤＥ Wong"]


def test_percent_and_underscore_in_a_search_are_plain_characters(practice):
    _add_couples(practice, ["100% committed", "snake_case Lee", "Percy"])
    assert _found(practice, "%") == ["100% committed"]
    assert _found(practice, "_") == ["snake_case Lee"]
    assert _found(practice, "Per%") == []


@pytest.mark.parametrize("search", ["\x00", "Riv\x00era", "x" * 5000])
def test_a_search_no_label_can_hold_matches_nothing_instead_of_failing(practice, search):
    assert _found(practice, search) == []


def test_every_blns_string_is_a_harmless_handover_search(practice, blns):
    _add_couples(practice, ["¯\\_(ツ)_/¯ Lee"])
    with practice.work(practice.admin) as uow:
        for text in blns:
            found = [row.label for row in admin.handover_view(uow, text).rows]
            assert set(found) <= {"Rivera", "Okafor", "¯\\_(ツ)_/¯ Lee"}, text
    assert _found(practice, "¯\\_(ツ)_/¯") == ["¯\\_(ツ)_/¯ Lee"]


def test_the_handover_list_is_limited_by_label_and_says_more_match(practice):
    _add_couples(practice, [f"Bulk {number:03d}" for number in range(admin.HANDOVER_LIMIT + 5)])
    with practice.work(practice.admin) as uow:
        view = admin.handover_view(uow, "bulk")
        everyone = admin.handover_view(uow)
    assert [row.label for row in view.rows] == [
        f"Bulk {number:03d}" for number in range(admin.HANDOVER_LIMIT)
    ]
    assert view.more and view.searched
    assert len(everyone.rows) == admin.HANDOVER_LIMIT and everyone.more
    assert [counselor.name for counselor in everyone.counselors] == [
        "Ada Fictional",
        "Ben Imaginary",
    ]


def test_the_handover_list_takes_the_same_statements_however_many_couples(
    practice, count_statements
):
    def list_and_search():
        with practice.work(practice.admin) as uow:
            admin.handover_view(uow)
            admin.handover_view(uow, "ben")

    few = count_statements(list_and_search)
    _add_couples(practice, [f"Bulk {number:03d}" for number in range(3 * admin.HANDOVER_LIMIT)])
    assert count_statements(list_and_search) == few


def test_an_admin_cannot_open_another_counselors_couple_without_breaking_glass(practice):
    with practice.work(practice.admin) as uow, pytest.raises(CoupleNotFound):
        shown_record(uow, practice.counselors_couple)


@pytest.mark.parametrize("reason", ["", "   ", "because", "x" * 501, "reason\x00with a NUL byte"])
def test_breaking_glass_needs_a_real_reason(practice, reason):
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        admin.read_record_break_glass(uow, practice.counselors_couple, reason)
    assert "reason" in error.value.problems
    assert "couple.break_glass" not in _audit_actions(practice.factory)


def test_breaking_glass_shows_the_record_and_writes_the_reason_to_the_audit_trail(practice):
    with practice.work(practice.counselor) as uow:
        couples.log_session(uow, practice.counselors_couple, dt.date(2026, 2, 2), "Ben's notes.")
    with practice.work(practice.admin) as uow:
        record = admin.read_record_break_glass(uow, practice.counselors_couple, LONG_ENOUGH_REASON)
    assert record.label == "Okafor"
    assert [s.notes for s in record.sessions] == ["Ben's notes."]
    with practice.factory() as session:
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "couple.break_glass")
        ).one()
    assert event.record_id == practice.counselors_couple
    assert event.detail == {
        "counselor": practice.counselor.counselor_id,
        "reason": LONG_ENOUGH_REASON,
    }


SMTP = {
    "host": "smtp.harbor.example",
    "port": 587,
    "username": "care",
    "sender": "care@harbor.example",
}


def test_the_smtp_password_is_stored_but_never_shown_back(practice):
    with practice.work(practice.admin) as uow:
        admin.save_practice_settings(uow, {"smtp": SMTP}, "pretend-smtp-secret")
        view = admin.practice_settings(uow)
    assert view.smtp_password_stored
    assert view.settings.smtp.password == ""
    assert "pretend-smtp-secret" not in repr(view)
    with practice.factory() as session:
        stored = session.get(Practice, practice.admin.practice_id).settings
        audited = "".join(str(event.detail) for event in session.scalars(select(AuditEvent)))
    assert stored["smtp"]["password"] == "pretend-smtp-secret"
    assert "pretend-smtp-secret" not in audited


def test_a_blank_smtp_password_keeps_the_stored_one_and_an_empty_one_removes_it(practice):
    with practice.work(practice.admin) as uow:
        admin.save_practice_settings(uow, {"smtp": SMTP}, "pretend-smtp-secret")
        admin.save_practice_settings(uow, {"smtp": SMTP, "link_expiry_days": 10}, None)
        assert admin.practice_settings(uow).smtp_password_stored
        changed = admin.save_practice_settings(uow, {"smtp": SMTP, "link_expiry_days": 10}, "")
        assert changed == ["smtp.password"]
        assert not admin.practice_settings(uow).smtp_password_stored


def test_practice_settings_are_stored_and_read_back(practice):
    values = {
        "link_expiry_days": 45,
        "alerts": {"no_checkin_days": 10, "divergence_gap": 5.5},
        "support_text": "Call the fictional helpline on 0000.",
        "base_url": "https://care.harbor.example",
    }
    with practice.work(practice.admin) as uow:
        changed = admin.save_practice_settings(uow, values, None)
        settings = admin.practice_settings(uow).settings
    assert changed == [
        "alerts.divergence_gap",
        "alerts.no_checkin_days",
        "base_url",
        "link_expiry_days",
        "support_text",
    ]
    assert settings.link_expiry_days == 45 and settings.alerts.no_checkin_days == 10
    assert settings.base_url == "https://care.harbor.example"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"link_expiry_days": 0}, "link_expiry_days"),
        ({"alerts": {"no_checkin_days": 1000}}, "alerts.no_checkin_days"),
        ({"smtp": {"port": 70000}}, "smtp.port"),
        ({"smtp": {"sender": "not an email"}}, "smtp.sender"),
        ({"base_url": "javascript:alert(1)"}, "base_url"),
        ({"support_text": "x" * 4001}, "support_text"),
    ],
)
def test_invalid_practice_settings_are_refused_field_by_field(practice, values, field):
    with practice.work(practice.admin) as uow, pytest.raises(InvalidInput) as error:
        admin.save_practice_settings(uow, values, None)
    assert form_label(field) in error.value.problems
    assert "practice.settings" not in _audit_actions(practice.factory)
