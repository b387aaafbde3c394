"""`trustcare content validate`: one line per problem and exit 1, or a one-line OK; no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trustcare import content_cli
from trustcare.catalog import shipped_content_dir
from trustcare.content_cli import validate

BROKEN = Path(__file__).resolve().parent / "broken_content"
BROKEN_CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


@pytest.fixture
def run(monkeypatch):
    """Invoke the command with no practice folders configured, from the broken-content folder."""
    monkeypatch.delenv("TRUSTCARE_CONTENT_DIRS", raising=False)
    monkeypatch.chdir(BROKEN)

    def invoke(*args: str):
        result = CliRunner().invoke(validate, list(args))
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        return result

    return invoke


def case_args(case: str) -> list[str]:
    return [f"{case}/a", f"{case}/b"] if (BROKEN / case / "a").is_dir() else [case]


def test_the_shipped_library_passes_with_its_counts(run):
    result = run()

    assert result.exit_code == 0
    assert result.stdout == "content OK: 12 modules, 2 tracks, 2 measures\n"


def test_the_shipped_folder_given_as_a_path_passes_too(run):
    result = run(str(shipped_content_dir()))

    assert result.exit_code == 0
    assert result.stdout == "content OK: 12 modules, 2 tracks, 2 measures\n"


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_a_broken_content_folder_exits_1_with_exactly_its_problem_lines(run, case):
    expected = (BROKEN / case / "expected.txt").read_text(encoding="utf-8")

    result = run(*case_args(case))

    assert result.exit_code == 1
    assert result.stdout == expected


def test_a_broken_practice_folder_in_the_environment_fails_the_plain_command(run, monkeypatch):
    monkeypatch.setenv("TRUSTCARE_CONTENT_DIRS", str(BROKEN / "bad-audience"))

    result = run()

    assert result.exit_code == 1
    assert "audience: must be one of: both, each-partner" in result.stdout


def test_a_lone_track_file_is_checked_against_the_shipped_modules(run):
    result = run(str(shipped_content_dir() / "tracks" / "foundations.yaml"))

    assert result.exit_code == 0
    assert result.stdout == "content OK: 0 modules, 1 track, 0 measures\n"


def test_a_lone_broken_file_reports_its_problem(run):
    result = run("empty-steps/modules/empty-steps.md")

    assert result.exit_code == 1
    assert result.stdout == (BROKEN / "empty-steps" / "expected.txt").read_text()


def test_a_path_that_does_not_exist_is_a_problem_line(run):
    result = run("no/such/file.yaml")

    assert result.exit_code == 1
    assert result.stdout == "no/such/file.yaml:1: file: does not exist\n"


def test_an_unexpected_failure_while_checking_a_file_is_still_one_line(run, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(content_cli, "check_file", explode)

    result = run("wrong-type/modules/wrong-type.md")

    assert result.exit_code == 1
    assert result.stdout == (
        "wrong-type/modules/wrong-type.md:1: file: could not be checked: disk on fire\n"
    )


def test_an_unexpected_failure_anywhere_is_one_error_line(run, monkeypatch):
    def explode(*args, **kwargs):
        raise RuntimeError("catalog gremlin")

    monkeypatch.setattr(content_cli, "check_content", explode)

    result = run()

    assert result.exit_code == 1
    assert result.stdout == "error: RuntimeError: catalog gremlin\n"


def test_help_explains_usage_with_an_example(run):
    result = run("--help")

    assert result.exit_code == 0
    assert "trustcare content validate /srv/practice-content" in result.stdout
