"""`trustcare calibrate` against real databases: its figures checked by an independent count."""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from functools import partial

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from trustcare.catalog import get_catalog
from trustcare.cli import main
from trustcare.models import CheckIn, Couple, Partner
from trustcare.persistence.uow import CounselorWork, unscoped_work
from trustcare.scoring import score_answers
from trustcare.services import couples, demo

ITEMS = [
    "honest-talk",
    "hiding-things",
    "kept-word",
    "there-for-me",
    "safe-to-share",
    "held-back",
    "checking-up",
    "feel-secure",
]
# Agreeing with these means less trust; on the 0-4 scale their keyed score is 4 - answer.
REVERSED = ["hiding-things", "held-back", "checking-up"]


@pytest.fixture
def run(monkeypatch, migrated_url):
    """Invoke `trustcare calibrate` on the test database, with no configured database."""
    monkeypatch.delenv("TRUSTCARE_DATABASE_URL", raising=False)

    def invoke(*args: str):
        result = CliRunner().invoke(main, ["calibrate", "--database-url", migrated_url, *args])
        assert "Traceback" not in result.output
        return result

    return invoke


@pytest.fixture
def demo_practice(factory):
    """The fictional demo practice, seeded as of a fixed day so its history is always the same."""
    demo.seed_demo(partial(unscoped_work, factory), today=dt.date(2026, 3, 2))
    return factory


def expected_figures(factory) -> dict[str, float]:
    """SD, alpha and threshold computed with pandas on the stored rows, not with trustcare."""
    with factory() as session:
        rows = session.execute(
            select(
                CheckIn.id, CheckIn.partner_id, CheckIn.submitted_at, CheckIn.total, CheckIn.answers
            )
        ).all()
    frame = pd.DataFrame(rows, columns=["id", "partner_id", "submitted_at", "total", "answers"])
    firsts = (
        frame.dropna(subset=["total"])
        .sort_values(["submitted_at", "id"])
        .groupby("partner_id")["total"]
        .first()
    )
    items = pd.DataFrame(list(frame["answers"]))[ITEMS].astype(float)
    items[REVERSED] = 4 - items[REVERSED]
    items = items.dropna()
    k = len(ITEMS)
    alpha = k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    sd = firsts.std(ddof=1)
    return {
        "partners": len(firsts),
        "checkins": len(frame),
        "complete": len(items),
        "sd": sd,
        "alpha": alpha,
        "threshold": 1.96 * np.sqrt(2) * sd * np.sqrt(1 - alpha),
    }


def add_consistent_couples(factory, actor, count: int) -> None:
    """`count` more couples whose eight answers move together, as a real trust measure's do."""
    measure = get_catalog().measure("trust-pulse")
    rng = random.Random(7)
    start = dt.datetime(2026, 1, 5, 19, 0, tzinfo=dt.UTC)
    for number in range(count):
        with CounselorWork(factory, actor) as uow:
            couples.create_couple(
                uow,
                f"Extra couple {number}",
                [couples.PartnerInput(f"Avery {number}"), couples.PartnerInput(f"Blake {number}")],
            )
    with factory() as session:
        partners = session.execute(
            select(Partner.id, Partner.couple_id)
            .join(Couple, Couple.id == Partner.couple_id)
            .where(Couple.label.startswith("Extra couple"))
        ).all()
        for partner_id, couple_id in partners:
            level = rng.randint(0, 4)
            for week in range(3):
                keyed = {i: min(4, max(0, level + rng.choice((-1, 0, 0, 1)))) for i in ITEMS}
                answers = {i: 4 - v if i in REVERSED else v for i, v in keyed.items()}
                answers |= {"overall-trust": 5, "practice-done": 1, "felt-unsafe": 0}
                scores = score_answers(measure, answers)
                session.add(
                    CheckIn(
                        couple_id=couple_id,
                        partner_id=partner_id,
                        submitted_at=start + dt.timedelta(weeks=week),
                        measure_id=measure.id,
                        measure_version=measure.version,
                        answers=answers,
                        subscales=dict(scores.subscales),
                        total=scores.total,
                        overall=scores.overall,
                        practice=scores.practice,
                        idempotency_key=f"extra-{partner_id}-{week}",
                    )
                )
        session.commit()


def test_the_printed_figures_match_an_independent_count_on_the_demo_practice(run, demo_practice):
    expected = expected_figures(demo_practice)

    result = run()

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Trust pulse (version 1): calibration from check-ins"
    assert f"Partners with a first check-in: {expected['partners']}" in lines
    assert (
        f"Check-ins: {expected['checkins']} ({expected['complete']} with all 8 items answered)"
        in lines
    )
    assert f"SD of first totals: {expected['sd']:.2f}" in lines
    assert f"Cronbach's alpha: {expected['alpha']:.3f}" in lines
    assert f"Reliable-change threshold from these data: {expected['threshold']:.1f} points" in lines
    assert (
        "Provisional threshold from the measure file: 6.2 points (sd 5.0, reliability 0.80)"
        in lines
    )


def test_the_demo_practice_is_too_small_to_trust_and_says_so_in_a_sentence(run, demo_practice):
    result = run()

    assert result.exit_code == 0
    assert result.output.splitlines()[-1] == (
        "Not enough data to trust these figures: 24 partners have a first check-in, and fewer "
        "than 30 is too few. Keep the provisional constants (sd 5.0, reliability 0.80, "
        "threshold 6.2 points) for now."
    )


def test_json_output_carries_the_unrounded_figures(run, demo_practice):
    expected = expected_figures(demo_practice)

    result = run("--json")

    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["partners"] == expected["partners"] == 24
    assert report["checkins"] == expected["checkins"]
    assert report["complete_checkins"] == expected["complete"]
    assert report["sd_first_totals"] == pytest.approx(expected["sd"], rel=1e-12)
    assert report["cronbach_alpha"] == pytest.approx(expected["alpha"], rel=1e-12)
    assert report["threshold"] == pytest.approx(expected["threshold"], rel=1e-12)
    assert report["provisional"]["threshold"] == pytest.approx(1.96 * math.sqrt(2) * 5 * 0.2**0.5)
    assert report["enough_data"] is False


def test_thirty_or_more_partners_with_consistent_answers_count_as_enough(run, practice):
    add_consistent_couples(practice.factory, practice.admin, 15)
    expected = expected_figures(practice.factory)

    result = run("--json")

    report = json.loads(result.output)
    assert report["partners"] == 30
    assert report["enough_data"] is True
    assert report["threshold"] == pytest.approx(expected["threshold"], rel=1e-12)
    assert report["verdict"].startswith("Enough data to use these figures: 30 partners")


def test_a_database_without_checkins_exits_cleanly_with_a_plain_message(run, practice):
    result = run()

    assert result.exit_code == 0
    assert result.output == (
        "Trust pulse (version 1): calibration from check-ins\n"
        "Provisional threshold from the measure file: 6.2 points (sd 5.0, reliability 0.80)\n"
        "There are no check-ins in this database yet: nothing to calibrate from. Keep the "
        "provisional constants (sd 5.0, reliability 0.80, threshold 6.2 points) for now.\n"
    )


def test_one_partner_is_too_few_to_estimate_and_the_reason_is_given(run, practice):
    measure = get_catalog().measure("trust-pulse")
    answers = {i: 2 for i in ITEMS} | {"overall-trust": 5, "practice-done": 1, "felt-unsafe": 0}
    scores = score_answers(measure, answers)
    with practice.factory() as session:
        lena = session.scalar(
            select(Partner.id).where(Partner.couple_id == practice.admins_couple).limit(1)
        )
        session.add(
            CheckIn(
                couple_id=practice.admins_couple,
                partner_id=lena,
                measure_id=measure.id,
                measure_version=measure.version,
                answers=answers,
                total=scores.total,
                idempotency_key="only-one",
            )
        )
        session.commit()

    result = run()

    assert result.exit_code == 0
    assert "SD of first totals: cannot be estimated" in result.output
    assert (
        "These check-ins cannot give new constants: need first check-ins from at least 2 "
        "people to estimate the SD." in result.output
    )


def test_the_help_explains_the_formula_and_gives_an_example():
    result = CliRunner().invoke(main, ["calibrate", "--help"])

    assert result.exit_code == 0
    assert "1.96 x sqrt(2) x SD x sqrt(1 - alpha)" in result.output
    assert "Example: trustcare calibrate --database-url" in result.output
