"""Every action the services write to the audit trail, with the kind of record it names.

The audit trail's filters offer these, so an admin can filter by an action that has not happened
yet and the page never scans the events to find out which actions exist. `UnitOfWork.audit`
refuses an action missing here, so the list cannot fall behind the code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditAction:
    record_type: str
    meaning: str


ACTIONS: dict[str, AuditAction] = {
    "alert.acknowledge": AuditAction("couple", "a counselor acknowledged an alert"),
    "alert.unacknowledge": AuditAction("couple", "a counselor undid an alert's acknowledgement"),
    "assignment.create": AuditAction("couple", "a module was assigned"),
    "assignment.status": AuditAction("couple", "an assignment's status changed"),
    "audit.export": AuditAction("practice", "the audit trail was downloaded"),
    "checkin.submit": AuditAction("couple", "a client submitted a check-in"),
    "checkin.entered": AuditAction(
        "couple", "a counselor entered a check-in for a partner in the room"
    ),
    "feedback.submit": AuditAction("couple", "a client gave feedback on a session"),
    "feedback.entered": AuditAction(
        "couple", "a counselor entered session feedback for a partner in the room"
    ),
    "partner.language": AuditAction("partner", "a client changed the language of their page"),
    "consent.update": AuditAction("partner", "a client changed what they share"),
    "counselor.create": AuditAction("counselor", "a counselor was added"),
    "counselor.deactivate": AuditAction("counselor", "a counselor was deactivated"),
    "counselor.forget_sign_on": AuditAction("counselor", "a linked sign-on was forgotten"),
    "counselor.reactivate": AuditAction("counselor", "a counselor was reactivated"),
    "counselor.reset_password": AuditAction("counselor", "a password was reset"),
    "counselor.reset_two_factor": AuditAction(
        "counselor", "an admin reset a counselor's two-factor sign-in"
    ),
    "counselor.two_factor_enrol": AuditAction("counselor", "a counselor set up two-factor sign-in"),
    "couple.appointment": AuditAction("couple", "a couple's next session was set"),
    "couple.break_glass": AuditAction("couple", "an admin read a record (break-glass)"),
    "couple.create": AuditAction("couple", "a couple was added"),
    "couple.delete": AuditAction("couple", "an admin deleted a couple and all their records"),
    "couple.handover": AuditAction("couple", "a couple was handed over"),
    "couple.own_progress": AuditAction(
        "couple", "a counselor let a couple see (or stopped them seeing) their own progress"
    ),
    "couple.purge": AuditAction("couple", "a couple past the retention period was purged"),
    "couple.schedule": AuditAction("couple", "a couple's check-in schedule changed"),
    "couple.status": AuditAction("couple", "a couple's status changed"),
    "couple.update": AuditAction("couple", "a couple's details changed"),
    "couple.view": AuditAction("couple", "a couple's record was opened"),
    "exercise.done": AuditAction("assignment", "a client marked an exercise done"),
    "export.checkins_csv": AuditAction("couple", "check-ins were downloaded"),
    "export.progress_report": AuditAction("couple", "a progress report was downloaded"),
    "link.email": AuditAction("couple", "a check-in link was emailed"),
    "link.issue": AuditAction("couple", "a check-in link was issued"),
    "link.revoke": AuditAction("couple", "a check-in link was revoked"),
    "login": AuditAction("counselor", "a counselor signed in"),
    "login.failed": AuditAction("counselor", "a sign-in failed"),
    "login.refused": AuditAction("counselor", "a sign-on was refused"),
    "login.second_factor_failed": AuditAction("counselor", "a two-factor code was refused"),
    "logout": AuditAction("counselor", "a counselor signed out"),
    "logout.automatic": AuditAction(
        "counselor", "a sign-in ended on its own (idle time or maximum age)"
    ),
    "logout.everywhere": AuditAction("counselor", "a counselor signed out on every browser"),
    "practice.create": AuditAction("practice", "the practice was created"),
    "practice.seed_demo": AuditAction("practice", "the demo practice was filled"),
    "practice.settings": AuditAction("practice", "practice settings changed"),
    "reminders.restart": AuditAction("couple", "a counselor restarted a partner's reminders"),
    "reminders.stop": AuditAction("couple", "a client stopped their reminders"),
    "session.create": AuditAction("couple", "a session was logged"),
    "session.correct": AuditAction("couple", "a logged session's date was corrected"),
    "session.delete": AuditAction("couple", "a logged session was deleted"),
    "session.update_notes": AuditAction("couple", "session notes were edited"),
    "signon.link": AuditAction("counselor", "a sign-on identity was linked"),
}

RECORD_TYPES: tuple[str, ...] = tuple(sorted({action.record_type for action in ACTIONS.values()}))


class UnknownAuditAction(ValueError):
    """A programming error: an action written to the trail must be listed in `ACTIONS`."""


def check_action(action: str, record_type: str) -> None:
    known = ACTIONS.get(action)
    if known is None or known.record_type != record_type:
        raise UnknownAuditAction(
            f"audit action {action!r} on a {record_type!r} record is not in "
            "trustcare/audit_actions.py"
        )
