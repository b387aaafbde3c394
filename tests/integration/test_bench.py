"""`trustcare bench` on two tiny practices: the shape of its JSON lines and its SQL counts.

Speed targets live in the bench itself, never in tests; nothing here asserts a time.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from bench.pages import page_specs
from trustcare.cli import main

PAGE_KEYS = {"page", "couples", "database", "median_ms", "reference_ms", "ratio", "statements"}
SUBMIT_KEYS = {"page", "couples", "database", "median_ms", "p95_ms"}
REMINDER_KEYS = {"page", "couples", "database", "median_ms", "statements"}


@pytest.fixture(scope="module")
def bench_lines() -> list[dict]:
    """The bench's JSON lines for practices of 3 and 6 couples on SQLite, two warm runs each."""
    result = CliRunner().invoke(
        main, ["bench", "--couples", "3", "--couples", "6", "--runs", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_every_page_the_references_the_submit_and_a_reminder_pass_get_one_line_per_size(
    bench_lines,
):
    expected = {
        "empty",
        "reference",
        "submit",
        "reminder pass",
        *(spec.name for spec in page_specs()),
    }
    for couples in (3, 6):
        assert {line["page"] for line in bench_lines if line["couples"] == couples} == expected
    assert len(bench_lines) == 2 * len(expected)
    assert {line["database"] for line in bench_lines} == {"sqlite"}


def test_page_lines_carry_a_ratio_to_the_reference_and_a_statement_count(bench_lines):
    for line in bench_lines:
        if line["page"] == "submit":
            assert set(line) == SUBMIT_KEYS
            assert 0 < line["median_ms"] <= line["p95_ms"]
            continue
        if line["page"] == "reminder pass":
            assert set(line) == REMINDER_KEYS
            assert line["median_ms"] > 0 and line["statements"] > 0
            continue
        assert set(line) == PAGE_KEYS
        assert line["median_ms"] > 0 and line["reference_ms"] > 0
        assert line["ratio"] == pytest.approx(
            line["median_ms"] / line["reference_ms"], rel=0.01, abs=0.01
        )
        assert isinstance(line["statements"], int)


def test_each_page_issues_the_same_statements_for_3_and_for_6_couples(bench_lines):
    counts: dict[str, dict[int, int]] = {}
    for line in bench_lines:
        if line["page"] != "submit":
            counts.setdefault(line["page"], {})[line["couples"]] = line["statements"]
    for page, by_size in counts.items():
        assert by_size[3] == by_size[6], f"{page}: {by_size}"
    assert all(counts[spec.name][3] > 0 for spec in page_specs())
    assert counts["empty"][3] == counts["reference"][3] == 0


def test_reruns_compile_each_script_once_as_the_server_does(tmp_path, monkeypatch):
    """AppTest alone compiles the script on every run; the bench times what a server pays."""
    from streamlit.runtime.scriptrunner import script_cache
    from streamlit.testing.v1 import AppTest

    from bench.pages import shared_script_cache

    script = tmp_path / "page.py"
    script.write_text('import streamlit as st\nst.title("Page")\n', encoding="utf-8")
    compiled: list[str] = []
    real_add_magic = script_cache.magic.add_magic

    def counting_add_magic(code: str, path: str):
        compiled.append(path)
        return real_add_magic(code, path)

    monkeypatch.setattr(script_cache.magic, "add_magic", counting_add_magic)
    app = AppTest.from_file(str(script))
    app.run()
    app.run()
    assert len(compiled) == 2  # without the bench's cache: once per run

    compiled.clear()
    with shared_script_cache():
        app = AppTest.from_file(str(script))
        for _ in range(3):
            app.run()
        assert app.title[0].value == "Page"
    assert compiled == [str(script)]
