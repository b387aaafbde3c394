"""The content modules import each other in one direction only, so none can form a cycle."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "trustcare"

# Bottom first: each module may import only the ones listed before it.
ORDER = [
    "trustcare.content_text",
    "trustcare.content_schema",
    "trustcare.content_catalog",
    "trustcare.content_loading",
    "trustcare.catalog",
]
# Plain data of our own that any content module may use; it imports nothing of ours.
LEAVES = {"trustcare.languages"}


def imported_trustcare_modules(module: str) -> set[str]:
    path = PACKAGE / f"{module.removeprefix('trustcare.')}.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "trustcare" or name.startswith("trustcare.")}


@pytest.mark.parametrize("position", range(len(ORDER)), ids=ORDER)
def test_a_content_module_imports_only_the_modules_below_it(position):
    module = ORDER[position]
    assert imported_trustcare_modules(module) <= set(ORDER[:position]) | LEAVES


@pytest.mark.parametrize("leaf", sorted(LEAVES))
def test_a_leaf_imports_nothing_of_ours(leaf):
    assert imported_trustcare_modules(leaf) == set()


def test_the_order_is_not_vacuous():
    """Each module above the bottom uses the one right below it, so the check has teeth."""
    for lower, upper in zip(ORDER, ORDER[1:], strict=False):
        assert lower in imported_trustcare_modules(upper)
