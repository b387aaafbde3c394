"""Clinical text encrypted at rest: Fernet (AES-128-CBC with HMAC-SHA256) through MultiFernet.

One key ring per process, configured once at start (`configure_keys`, from settings): the first
key encrypts, every key decrypts, so a new key can be put first and old rows stay readable
until `trustcare keys rotate` re-encrypts them. The column types here encrypt on the way in and
decrypt on the way out; with no key ring they raise instead of storing plain text.

An empty string is stored as an empty string (and None as NULL), so "has a reflection" filters
such as `reflection != ''` keep working in SQL; that an answer is empty is all they reveal.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import Engine, Text, TypeDecorator

# What the `encryption_check` row holds, encrypted: a wrong key fails to decrypt it at start.
CANARY_TEXT = "trustcare encryption check"


class EncryptionError(Exception):
    """No key ring is configured, or a stored value does not decrypt with it."""


_ring: MultiFernet | None = None
# The key that encrypts (the ring's first): a token it decrypts needs no rotation.
_newest: Fernet | None = None


def parse_keys(keys: Sequence[str], setting: str) -> tuple[Fernet, ...]:
    """Fernet objects for the keys; a key that is not one is named by its position only."""
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key.strip().encode("ascii")))
        except (ValueError, UnicodeEncodeError) as error:
            raise EncryptionError(
                f"{setting}: key {position} is not a Fernet key (32 url-safe base64 bytes); make "
                "one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from error
    return tuple(fernets)


def configure_keys(keys: Sequence[str], setting: str = "encryption_key") -> None:
    """Use these keys from now on, newest (the one that encrypts) first."""
    global _ring, _newest
    if not keys:
        raise EncryptionError(f"{setting} is unset: clinical text cannot be encrypted")
    fernets = parse_keys(keys, setting)
    _ring, _newest = MultiFernet(list(fernets)), fernets[0]


def clear_keys() -> None:
    """Forget the key ring (tests that check the refusal without one)."""
    global _ring, _newest
    _ring = _newest = None


def keys_configured() -> bool:
    return _ring is not None


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def _key_ring() -> MultiFernet:
    if _ring is None:
        raise EncryptionError(
            "no encryption key is configured, so clinical text can be neither stored nor read; "
            "set TRUSTCARE_ENCRYPTION_KEY or encryption_key_file (see README, Encryption at rest)"
        )
    return _ring


def encrypt_text(value: str) -> str:
    if value == "":
        return ""
    return _key_ring().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(token: str) -> str:
    if token == "":
        return ""
    try:
        return _key_ring().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise EncryptionError(
            "a stored value does not decrypt with the configured encryption keys: the key does "
            "not match the data (was the key changed without keeping the old one in the list?)"
        ) from error


def rotate_token(token: str) -> str | None:
    """The same value encrypted under the newest key; None when it already is (or is empty)."""
    ring = _key_ring()
    if token == "":
        return None
    if _newest is not None:
        try:
            _newest.decrypt(token.encode("ascii"))
            return None
        except InvalidToken:
            pass
    try:
        return ring.rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise EncryptionError(
            "a stored value does not decrypt with the configured encryption keys"
        ) from error


class EncryptedType(TypeDecorator):
    """Stored as Text holding a Fernet token; subclasses say how a value becomes text."""

    impl = Text
    cache_ok = True

    def to_text(self, value: Any) -> str:
        raise NotImplementedError

    def from_text(self, text: str) -> Any:
        raise NotImplementedError

    def encrypt_serialized(self, text: str) -> str:
        """For bulk writers holding a value already turned into text (JSON text, say)."""
        return encrypt_text(text)

    def process_bind_param(self, value: Any, dialect: Any) -> str | None:
        if value is None:
            return None
        return encrypt_text(self.to_text(value))

    def process_result_value(self, value: str | None, dialect: Any) -> Any:
        if value is None:
            return None
        return self.from_text(decrypt_text(value))


class EncryptedText(EncryptedType):
    """A string column whose stored form is a Fernet token."""

    cache_ok = True

    def to_text(self, value: Any) -> str:
        return str(value)

    def from_text(self, text: str) -> str:
        return text


class EncryptedJSON(EncryptedType):
    """A JSON value encrypted as one blob (a check-in's answers, safety item included)."""

    cache_ok = True

    def to_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True)

    def from_text(self, text: str) -> Any:
        return json.loads(text)


class EncryptedBool(EncryptedType):
    """A yes/no answer (the safety question) encrypted; None stays NULL (unanswered)."""

    cache_ok = True

    def to_text(self, value: Any) -> str:
        return "true" if value else "false"

    def from_text(self, text: str) -> bool:
        return text == "true"


_check_table = sa.table("encryption_check", sa.column("id", sa.Integer), sa.column("token", Text))


def check_keys_match(engine: Engine) -> None:
    """Decrypt the database's check value (writing it on a first start), so a wrong key
    refuses to start here instead of failing on the first page that reads a note."""
    with engine.begin() as connection:
        token = connection.execute(
            sa.select(_check_table.c.token).where(_check_table.c.id == 1)
        ).scalar()
        if token is None:
            connection.execute(_check_table.insert().values(id=1, token=encrypt_text(CANARY_TEXT)))
            return
    try:
        matches = decrypt_text(token) == CANARY_TEXT
    except EncryptionError:
        matches = False
    if not matches:
        raise EncryptionError(
            "the encryption key does not match the data in this database: none of the "
            "configured keys (TRUSTCARE_ENCRYPTION_KEY or encryption_key_file) decrypts it; "
            "restore the key the data was written with, or list it after the new one"
        )


ROTATE_BATCH_ROWS = 500


def row_key(metadata: sa.MetaData, table: str) -> str:
    """The one-column primary key `rotate_column` pages a table by."""
    (column,) = metadata.tables[table].primary_key.columns
    return column.name


def encrypted_columns(metadata: sa.MetaData) -> list[tuple[str, str]]:
    """(table, column) of every encrypted column in the models, and the check value's."""
    found = [
        (table.name, column.name)
        for table in metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, EncryptedType)
    ]
    return [*found, ("encryption_check", "token")]


def rotate_column(
    engine: Engine,
    table: str,
    column: str,
    batch_rows: int = ROTATE_BATCH_ROWS,
    key: str = "id",
) -> tuple[int, int]:
    """Re-encrypt one column under the newest key, a committed batch at a time; returns
    (re-encrypted, already current). A rerun after a kill skips what is done. A row changed
    by the app meanwhile is left as the app wrote it (the update checks the old token).
    Rows are paged by `key`, the table's one-column primary key (not always named id)."""
    target = sa.table(table, sa.column(key), sa.column(column, Text))
    row_key, value = target.c[key], target.c[column]
    rotated = current = 0
    last_key = None
    while True:
        with engine.begin() as connection:
            after = [] if last_key is None else [row_key > last_key]
            rows = connection.execute(
                sa.select(row_key, value)
                .where(*after, value.is_not(None), value != "")
                .order_by(row_key)
                .limit(batch_rows)
            ).all()
            if not rows:
                return rotated, current
            for found_key, token in rows:
                new_token = rotate_token(token)
                if new_token is None:
                    current += 1
                    continue
                connection.execute(
                    target.update()
                    .where(row_key == found_key, value == token)
                    .values({column: new_token})
                )
                rotated += 1
        last_key = rows[-1][0]
