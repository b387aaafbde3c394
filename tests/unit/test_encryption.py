"""Clinical text at rest: encrypted round trips, refused keys, rotation and the settings."""

from __future__ import annotations

import pytest

from trustcare.encryption import (
    EncryptedBool,
    EncryptedJSON,
    EncryptedText,
    EncryptionError,
    clear_keys,
    configure_keys,
    decrypt_text,
    encrypt_text,
    generate_key,
    rotate_token,
)
from trustcare.settings import SettingsError, load_settings

NOTE = "Fictional note: they talked about the weekend at the lake."


def test_text_round_trips_and_is_not_stored_in_clear():
    configure_keys([generate_key()])
    token = encrypt_text(NOTE)
    assert "lake" not in token
    assert decrypt_text(token) == NOTE
    assert encrypt_text(NOTE) != token, "each encryption has its own IV"


def test_empty_text_stays_empty_so_has_a_reflection_filters_work():
    configure_keys([generate_key()])
    assert encrypt_text("") == ""
    assert decrypt_text("") == ""


@pytest.mark.parametrize(
    ("column_type", "value"),
    [
        (EncryptedText(), NOTE),
        (EncryptedJSON(), {"q1": 3, "safety": 1, "naïve": "ü"}),
        (EncryptedBool(), True),
        (EncryptedBool(), False),
    ],
)
def test_column_types_round_trip(column_type, value):
    configure_keys([generate_key()])
    stored = column_type.process_bind_param(value, None)
    assert isinstance(stored, str) and stored.startswith("gAAAA")
    assert column_type.process_result_value(stored, None) == value


def test_an_unanswered_safety_question_stays_null():
    assert EncryptedBool().process_bind_param(None, None) is None
    assert EncryptedBool().process_result_value(None, None) is None


def test_a_wrong_key_is_refused():
    configure_keys([generate_key()])
    token = encrypt_text(NOTE)
    configure_keys([generate_key()])
    with pytest.raises(EncryptionError, match="does not match the data"):
        decrypt_text(token)


def test_no_key_configured_raises_and_never_stores_plain_text():
    clear_keys()
    with pytest.raises(EncryptionError, match="no encryption key is configured"):
        EncryptedText().process_bind_param(NOTE, None)
    with pytest.raises(EncryptionError, match="no encryption key is configured"):
        decrypt_text("gAAAA-anything")


def test_rotation_keeps_old_data_readable_and_moves_it_to_the_newest_key():
    old, new = generate_key(), generate_key()
    configure_keys([old])
    token = encrypt_text(NOTE)
    configure_keys([new, old])
    assert decrypt_text(token) == NOTE, "an old key still decrypts"
    rotated = rotate_token(token)
    assert rotated is not None and rotate_token(rotated) is None, "a rerun skips it"
    configure_keys([new])
    assert decrypt_text(rotated) == NOTE


def test_a_key_that_is_not_a_fernet_key_is_refused_by_position():
    with pytest.raises(EncryptionError, match="key 2 is not a Fernet key"):
        configure_keys([generate_key(), "not a key"])


def _settings(tmp_path, secrets_text: str = "", **environ: str):
    path = tmp_path / "secrets.toml"
    path.write_text(secrets_text, encoding="utf-8")
    return load_settings(environ=environ, secrets_path=path, var_dir=tmp_path / "var")


def test_development_without_a_key_generates_one_beside_the_database(tmp_path):
    first = _settings(tmp_path)
    assert len(first.encryption_keys) == 1
    assert (tmp_path / "var" / "encryption_key").stat().st_mode & 0o077 == 0
    assert _settings(tmp_path).encryption_keys == first.encryption_keys
    assert first.encryption_keys[0] not in repr(first)


def test_several_keys_newest_first_from_the_environment_or_the_secrets_file(tmp_path):
    new, old = generate_key(), generate_key()
    assert _settings(tmp_path, TRUSTCARE_ENCRYPTION_KEY=f"{new}, {old}").encryption_keys == (
        new,
        old,
    )
    from_file = _settings(tmp_path, f'[trustcare]\nencryption_key = ["{new}", "{old}"]\n')
    assert from_file.encryption_keys == (new, old)


def test_a_mounted_key_file_holds_one_key_per_line(tmp_path):
    new, old = generate_key(), generate_key()
    key_file = tmp_path / "keys"
    key_file.write_text(f"{new}\n{old}\n", encoding="utf-8")
    loaded = _settings(tmp_path, TRUSTCARE_ENCRYPTION_KEY_FILE=str(key_file))
    assert loaded.encryption_keys == (new, old)


def test_a_key_file_that_cannot_be_read_is_named(tmp_path):
    with pytest.raises(SettingsError, match="TRUSTCARE_ENCRYPTION_KEY_FILE names"):
        _settings(tmp_path, TRUSTCARE_ENCRYPTION_KEY_FILE=str(tmp_path / "missing"))


def test_a_malformed_key_names_the_setting(tmp_path):
    with pytest.raises(SettingsError, match="TRUSTCARE_ENCRYPTION_KEY: key 1 is not a Fernet"):
        _settings(tmp_path, TRUSTCARE_ENCRYPTION_KEY="short")


def test_production_without_a_key_generates_none(tmp_path):
    loaded = _settings(
        tmp_path,
        TRUSTCARE_ENV="production",
        TRUSTCARE_SECRET_KEY="Xq7vR2mK9pLw4sT8nB3cY6hJ1dF5gZ0aQeUoIiPl",
    )
    assert loaded.encryption_keys == ()
    assert not (tmp_path / "var" / "encryption_key").exists()


def test_every_clinical_column_is_encrypted_and_labels_and_names_are_not():
    from trustcare.encryption import encrypted_columns
    from trustcare.models import Base

    encrypted = set(encrypted_columns(Base.metadata))
    assert encrypted >= {
        ("counseling_session", "notes"),
        ("checkin", "reflection"),
        ("checkin", "answers"),
        ("checkin", "safety_flag"),
        ("exercise_progress", "reflection"),
        ("assignment", "note_to_client"),
        ("alert_acknowledgement", "note"),
        ("partner", "contact"),
        ("encryption_check", "token"),
    }
    searchable = {("couple", "label"), ("couple", "label_key"), ("partner", "display_name")}
    assert not encrypted & searchable
