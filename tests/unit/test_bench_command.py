"""`trustcare bench` hands its arguments to the bench in bench/, which a wheel does not hold."""

from __future__ import annotations

from click.testing import CliRunner

from trustcare import cli


def test_the_bench_help_comes_from_the_bench_itself():
    result = CliRunner().invoke(cli.main, ["bench", "--help"], prog_name="trustcare")
    assert result.exit_code == 0
    assert "Usage: trustcare bench [OPTIONS]" in result.output
    assert "--quick" in result.output and "--check" in result.output


def test_a_bad_bench_option_is_refused_by_the_bench():
    result = CliRunner().invoke(cli.main, ["bench", "--quick", "--couples", "3"])
    assert result.exit_code == 2
    assert "--quick chooses its own sizes" in result.output


def test_without_a_source_checkout_the_bench_says_where_it_runs(monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "PROJECT_ROOT", tmp_path)
    result = CliRunner().invoke(cli.main, ["bench", "--quick", "--check"])
    assert result.exit_code == 2
    assert "runs from a source checkout" in result.output
