"""A refused practice-settings save names the fields as the form does, never by their keys."""

from __future__ import annotations

import re
from functools import partial

import pytest

from tests.app.conftest import as_shown, signed_in_app
from trustcare.errors import InvalidInput
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.practice_settings import PracticeSettings, form_label
from trustcare.services import accounts, admin


def settings_page(app_factory):
    ada = accounts.create_practice(
        partial(unscoped_work, app_factory),
        "Harbor",
        "Ada Fictional",
        "ada@harbor.example",
        "long password 1",
    )
    at = signed_in_app(ada).run()
    return ada, at.switch_page("pages/practice_settings.py").run()


def field_paths(model: type = PracticeSettings, prefix: str = "") -> set[str]:
    """Every setting's key as the service and the stored JSON name it (`smtp.host`)."""
    paths = set()
    for name, field in model.model_fields.items():
        paths.add(f"{prefix}{name}")
        if isinstance(field.annotation, type) and hasattr(field.annotation, "model_fields"):
            paths |= field_paths(field.annotation, f"{prefix}{name}.")
    return paths


def assert_no_field_key_in(message: str) -> None:
    """No `smtp.host`, `base_url` or other key of the stored settings in what the admin reads,
    in any case (a key capitalized is still a key: "Smtp.host")."""
    message = message.lower()
    for path in field_paths():
        if "_" in path or "." in path:
            assert path not in message
    assert not re.search(r"\b(?:smtp|alerts)\.\w|\b[a-z]+_[a-z]", message), message


def test_refused_settings_are_named_by_the_form_labels(app_factory):
    _, at = settings_page(app_factory)
    inputs = {widget.label: widget for widget in at.text_input}
    inputs["Server"].set_value("mail\x07.harbor.example")
    inputs["Sender address"].set_value("not an email")
    base_url = next(label for label in inputs if label.startswith("Base URL for links"))
    inputs[base_url].set_value("javascript:alert(1)")
    next(b for b in at.button if b.label == "Save settings").click().run()

    assert not at.exception
    message = as_shown(at.error[0].value)
    assert "SMTP server" in message
    assert "SMTP sender address" in message
    assert "Base URL for links" in message
    assert_no_field_key_in(message)


def test_a_number_out_of_range_is_named_by_its_form_label(app_factory):
    ada, _ = settings_page(app_factory)
    with CounselorWork(app_factory, ada) as uow, pytest.raises(InvalidInput) as refused:
        admin.save_practice_settings(uow, {"link_expiry_days": 0, "smtp": {"port": 70000}}, None)
    named = set(refused.value.problems)
    assert named == {"Days a new check-in link stays valid", "SMTP port"}
    assert_no_field_key_in(str(refused.value))


def test_every_setting_has_a_form_label_of_its_own():
    labels = [form_label(path) for path in sorted(field_paths())]
    assert len(set(labels)) == len(labels)
    assert_no_field_key_in(" ".join(labels))
