"""The audit vocabulary and the code that writes to the audit trail agree, in both directions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from trustcare.audit_actions import ACTIONS, RECORD_TYPES, UnknownAuditAction, check_action

PACKAGE = Path(__file__).resolve().parents[2] / "trustcare"


def _written_actions() -> set[tuple[str, str]]:
    """(action, record type) of every call that writes an event with literal names.

    `uow.record(action, record_type, ...)` and `uow.audit(...)` name them first; the bench's
    `_audit(rows, action, ...)` writes couple events only.
    """
    written = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            literals = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
            strings = [value for value in literals if isinstance(value, str)]
            if node.func.attr in {"record", "audit"} and len(strings) >= 2:
                written.add((strings[0], strings[1]))
            elif node.func.attr == "_audit" and strings:
                written.add((strings[0], "couple"))
    return written


def test_the_scan_finds_the_audit_writers():
    assert {("couple.break_glass", "couple"), ("login", "counselor")} <= _written_actions()
    assert len(_written_actions()) >= 25


def test_every_action_the_code_writes_is_in_the_vocabulary_with_its_record_type():
    missing = sorted(
        f"{action} ({record_type})"
        for action, record_type in _written_actions()
        if action not in ACTIONS or ACTIONS[action].record_type != record_type
    )
    assert missing == []


def test_every_action_in_the_vocabulary_is_written_somewhere():
    written = {action for action, _ in _written_actions()}
    assert sorted(set(ACTIONS) - written) == []


def test_record_types_are_those_of_the_actions():
    assert set(RECORD_TYPES) == {"assignment", "counselor", "couple", "partner", "practice"}


@pytest.mark.parametrize(
    ("action", "record_type"),
    [("couple.teleport", "couple"), ("couple.view", "counselor"), ("", "couple")],
)
def test_an_action_outside_the_vocabulary_is_refused(action, record_type):
    with pytest.raises(UnknownAuditAction, match="audit_actions.py"):
        check_action(action, record_type)
