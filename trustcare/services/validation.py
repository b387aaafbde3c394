"""Checks on what people type, shared by every service that stores free text."""

from __future__ import annotations

import re
import unicodedata

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_name(value: object, field: str, max_length: int, problems: dict[str, str]) -> str:
    """A required one-line name: trimmed, not blank, not too long, no control characters."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        problems[field] = "must not be empty"
    elif len(text) > max_length:
        problems[field] = f"must be at most {max_length} characters (it has {len(text)})"
    elif any(unicodedata.category(char) == "Cc" for char in text):
        problems[field] = "must be one line without control characters"
    return text


def clean_optional(value: object, field: str, max_length: int, problems: dict[str, str]) -> str:
    """An optional one-line value: empty is fine, otherwise the same rules as a name."""
    text = value.strip() if isinstance(value, str) else ""
    if text:
        clean_name(text, field, max_length, problems)
    return text


def clean_email(value: object, field: str, problems: dict[str, str]) -> str:
    text = value.strip().lower() if isinstance(value, str) else ""
    if not EMAIL_PATTERN.match(text) or len(text) > 254:
        problems[field] = "must be an email address such as name@example.org"
    return text


def clean_long_text(value: object, field: str, max_length: int, problems: dict[str, str]) -> str:
    """Free text kept exactly as typed (no trimming inside); only NUL, which databases refuse."""
    text = value if isinstance(value, str) else ""
    if len(text) > max_length:
        problems[field] = f"must be at most {max_length} characters (it has {len(text)})"
    elif "\x00" in text:
        problems[field] = "contains a NUL character, which cannot be stored"
    return text


def label_key(label: str) -> str:
    """Labels compare without case or repeated spaces, so "Rivera  " and "rivera" collide."""
    return " ".join(unicodedata.normalize("NFKC", label).casefold().split())
