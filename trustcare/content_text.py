"""Plain text of Markdown, for readability checks of what a client reads.

Kept apart from the schema so `Module.client_text` can use it without the schema importing
anything else of ours; it imports nothing of ours itself.
"""

from __future__ import annotations

import re

_BLOCK_START = re.compile(r"^(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+|>\s?)")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)\]]*$")


def markdown_blocks(markdown: str) -> list[str]:
    """Paragraphs, headings and list items as plain text, soft-wrapped lines joined."""
    blocks: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            blocks.append(" ".join(current))
            current.clear()

    for raw in markdown.splitlines():
        line = raw.strip()
        if not line:
            flush()
            continue
        marker = _BLOCK_START.match(line)
        if marker:
            flush()
            line = line[marker.end() :]
        current.append(strip_inline(line))
        if marker and marker.group(1).startswith("#"):
            flush()
    flush()
    return [block for block in blocks if block.strip()]


def strip_inline(text: str) -> str:
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return re.sub(r"(\*\*|__|\*|`)", "", text).strip()


def as_sentence(text: str) -> str:
    text = text.strip()
    return text if _SENTENCE_END.search(text) else f"{text}."
