"""The bench's targets as pure arithmetic on its results (no timing here)."""

from __future__ import annotations

from bench.report import growth, missed_targets
from bench.runner import Result


def page(couples: int, median_ms: float, reference_ms: float, statements: int = 5) -> Result:
    return Result(
        "caseload",
        couples,
        "sqlite",
        median_ms,
        reference_ms,
        median_ms / reference_ms,
        statements,
    )


def test_growth_is_taken_relative_to_the_reference_run_alongside():
    # The machine slowed by half between the sizes: the page kept pace with the reference.
    assert growth(page(40, 12.0, 10.0), page(4000, 18.0, 15.0)) == 1.0
    assert growth(page(40, 12.0, 10.0), page(4000, 18.0, 10.0)) == 1.5


def test_a_page_that_grows_with_the_practice_misses_its_target():
    missed = missed_targets([page(40, 12.0, 10.0), page(4000, 18.0, 10.0)])
    assert missed == [
        "caseload on sqlite: 1.50 x from 40 to 4000 couples, relative to the reference "
        "(12 ms then 18 ms; at most 1.3)"
    ]


def test_a_slower_machine_alone_misses_no_target():
    assert missed_targets([page(40, 12.0, 10.0), page(4000, 18.0, 15.0)]) == []


def test_ratios_statements_and_submits_are_checked():
    results = [
        page(40, 16.0, 10.0),
        page(4000, 41.0, 20.0, statements=6),
        Result("submit", 40, "sqlite", 30.0, p95_ms=40.0),
    ]
    assert missed_targets(results) == [
        "caseload at 40 couples on sqlite: ratio 1.60 > 1.5",
        "caseload at 4000 couples on sqlite: ratio 2.05 > 2.0",
        "caseload on sqlite: statements per run change with size (5 at 40, 6 at 4000)",
        "submit at 40 couples on sqlite: median 30.0 ms >= 25",
    ]


def test_a_reminder_pass_keeps_its_statements_and_its_time_at_the_largest_size():
    def reminder_pass(couples, median_ms, statements=42, steady=True):
        return Result(
            "reminder pass",
            couples,
            "sqlite",
            median_ms,
            statements=statements,
            statements_steady=steady,
        )

    assert missed_targets([reminder_pass(40, 40.0), reminder_pass(4000, 1200.0)]) == []
    assert missed_targets(
        [reminder_pass(40, 40.0, steady=False), reminder_pass(4000, 2500.0, statements=48)]
    ) == [
        "reminder pass on sqlite: statements change with size (42 at 40, 48 at 4000)",
        "reminder pass on sqlite: statements differ between passes at 40 couples",
        "reminder pass at 4000 couples on sqlite: median 2500 ms > 2000",
    ]
