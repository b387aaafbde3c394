"""The README and the example secrets stay true to the code (a test that checks docs)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from trustcare.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
CODE = "\n".join(
    path.read_text(encoding="utf-8")
    for path in [*ROOT.joinpath("trustcare").rglob("*.py"), ROOT / "app.py", ROOT / "server.py"]
)


def test_every_environment_variable_the_code_reads_is_in_the_readme():
    used = set(re.findall(r"TRUSTCARE_[A-Z][A-Z_]+", CODE)) - {"TRUSTCARE_TEST_DATABASE_URL"}
    missing = sorted(name for name in used if name not in README)
    assert missing == []


def test_every_secrets_key_the_settings_read_is_in_the_example():
    example = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    keys = set(re.findall(r'value\("([a-z_]+)"', (ROOT / "trustcare" / "settings.py").read_text()))
    missing = sorted(key for key in keys if not re.search(rf"^#?\s*{key}\s*=", example, re.M))
    assert missing == []


def test_every_cli_command_is_listed_in_its_help_and_the_readme():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "create-admin", "seed-demo", "content", "calibrate", "bench"):
        assert command in result.output
        assert command in README


def test_the_readme_shows_the_two_commands_and_its_screenshots_exist():
    assert "make run" in README and "make test" in README
    for image in re.findall(r"\((docs/screenshots/[^)]+\.png)\)", README):
        assert (ROOT / image).is_file(), image
