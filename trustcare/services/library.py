"""Browsing the content library: filters over the catalog (pure, no database)."""

from __future__ import annotations

from collections.abc import Collection

from trustcare.content_catalog import Catalog
from trustcare.content_schema import Module


def find_modules(
    catalog: Catalog,
    barriers: Collection[str] = (),
    audiences: Collection[str] = (),
    kinds: Collection[str] = (),
    text: str = "",
) -> list[Module]:
    """Newest modules matching every filter given; an empty filter matches everything.

    Barriers match when the module addresses any chosen barrier; kinds when it has any
    exercise of a chosen kind; text searches titles and summaries without case.
    """
    needle = text.strip().casefold()
    found = []
    for module in catalog.modules_latest():
        if barriers and not set(barriers) & set(module.barriers):
            continue
        if audiences and module.audience not in audiences:
            continue
        if kinds and not {exercise.kind for exercise in module.exercises} & set(kinds):
            continue
        if needle and needle not in f"{module.title} {module.summary}".casefold():
            continue
        found.append(module)
    return found
