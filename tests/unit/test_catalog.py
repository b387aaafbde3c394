"""The content catalog: shipped content loads, every mistake is one located line, never a crash."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trustcare.catalog as catalog_module
from trustcare.catalog import (
    clear_catalog_cache,
    content_dirs_from_env,
    get_catalog,
    shipped_content_dir,
)
from trustcare.content_loading import check_content, load_catalog, load_file
from trustcare.content_schema import (
    AUDIENCES,
    BARRIERS,
    KINDS,
    ContentError,
    ContentNotFound,
    Problem,
)

BROKEN = Path(__file__).resolve().parent / "broken_content"
BROKEN_CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())

FOUNDATIONS = [
    "open-communication",
    "past-hurts",
    "vulnerability",
    "patience-consistency",
    "jealousy-insecurity",
    "healthy-boundaries",
    "emotional-intimacy",
]
BETRAYAL = [
    "betrayal-acknowledge",
    "betrayal-open-communication",
    "betrayal-commitment",
    "betrayal-patience",
    "betrayal-professional-support",
]


def case_roots(case: str) -> list[Path]:
    """A case is one content root, or the roots a/ and b/ layered in that order."""
    layered = [Path(case) / "a", Path(case) / "b"]
    return layered if (BROKEN / case / "a").is_dir() else [Path(case)]


def module_text(module_id: str = "hello", version: int = 1, **changes: object) -> str:
    """A small valid module file, with front matter keys replaced by `changes`."""
    front: dict[str, object] = {
        "id": module_id,
        "title": "Hello",
        "version": version,
        "summary": "A small module for tests.",
        "barriers": ["poor-communication"],
        "audience": "both",
        "minutes": 20,
        "exercises": [
            {
                "id": "talk",
                "title": "Talk",
                "kind": "in-session",
                "minutes": 10,
                "steps": ["Take turns to talk."],
                "reflection_prompts": ["What did you hear?"],
            }
        ],
    }
    front.update(changes)
    return (
        "---\n"
        + yaml.safe_dump(front, sort_keys=False)
        + "---\n## For the counselor\n\nNotes.\n\n## For you\n\nTalk and listen.\n"
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- the shipped library -------------------------------------------------------------------


def test_every_shipped_file_loads_into_twelve_modules_two_tracks_and_two_measures():
    catalog = load_catalog([shipped_content_dir()])

    assert catalog.counts() == {"modules": 12, "tracks": 2, "measures": 2}


def test_shipped_tracks_list_their_modules_in_teaching_order():
    catalog = load_catalog([shipped_content_dir()])

    assert list(catalog.track("foundations").modules) == FOUNDATIONS
    assert list(catalog.track("betrayal-recovery").modules) == BETRAYAL
    for track in catalog.tracks_latest():
        assert len(track.pacing.split()) > 40, "pacing guidance should be real advice"
        for module_id in track.modules:
            assert catalog.module(module_id).id == module_id


def test_every_shipped_module_has_counselor_notes_client_text_and_two_exercises():
    for module in load_catalog([shipped_content_dir()]).modules_latest():
        assert module.counselor_markdown.strip()
        assert module.client_markdown.strip()
        assert len(module.exercises) >= 2
        for heading in ("### Purpose", "### When to use", "### When not to use", "### How to run"):
            assert heading in module.counselor_markdown, (module.id, heading)


def test_trust_pulse_has_eight_scored_items_over_four_subscales_and_a_private_safety_item():
    measure = load_catalog([shipped_content_dir()]).measure("trust-pulse")

    assert measure.version == 1
    assert "not a validated instrument" in measure.about
    assert [s.id for s in measure.subscales] == [
        "honesty",
        "reliability",
        "emotional-safety",
        "security",
    ]
    assert all(len(s.items) == 2 for s in measure.subscales)
    assert len(measure.total.items) == 8
    assert (measure.total.rule, tuple(measure.total.range)) == ("sum", (0, 32))
    assert sum(measure.item(i).reverse for i in measure.total.items) >= 2
    assert measure.safety_items == ("felt-unsafe",)
    assert measure.scale_of("overall-trust").max == 10
    assert dict(measure.scale_of("practice-done").anchors) == {
        0: "Not at all",
        1: "Once or twice",
        2: "Most days",
        3: "Every day",
    }
    assert measure.reliable_change.provisional
    assert measure.cutoff is None


def test_the_trust_pulse_requires_the_safety_question_and_the_overall_rating_only():
    measure = load_catalog([shipped_content_dir()]).measure("trust-pulse")

    assert set(measure.required_items) == {"felt-unsafe", "overall-trust"}


def test_a_required_free_text_item_is_reported(tmp_path):
    source = BROKEN / "required-missing-item" / "measures" / "required-missing-item.yaml"
    text = source.read_text(encoding="utf-8").replace("[overall, absent]", "[note]")
    write(tmp_path / "measures" / "required-missing-item.yaml", text)

    with pytest.raises(ContentError) as raised:
        load_catalog([tmp_path])

    assert [p.message for p in raised.value.problems] == [
        'item "note" is free text; it cannot be required'
    ]


def test_the_catalog_offers_the_fixed_barriers_audiences_and_exercise_kinds():
    catalog = load_catalog([shipped_content_dir()])

    assert catalog.barriers == BARRIERS
    assert "poor-communication" in BARRIERS
    assert catalog.audiences == AUDIENCES
    assert AUDIENCES == ("both", "each-partner", "hurt-partner", "involving-partner")
    assert catalog.kinds == KINDS
    assert KINDS == ("in-session", "homework")


# --- broken content --------------------------------------------------------------------------


@pytest.mark.parametrize("case", BROKEN_CASES)
def test_each_broken_file_gives_exactly_its_one_line(case, monkeypatch):
    monkeypatch.chdir(BROKEN)
    expected = (BROKEN / case / "expected.txt").read_text(encoding="utf-8").splitlines()

    with pytest.raises(ContentError) as raised:
        load_catalog(case_roots(case))

    assert [str(p) for p in raised.value.problems] == expected
    assert len(expected) == 1


def test_the_broken_cases_cover_every_kind_of_mistake_we_promise_to_report():
    promised = {
        "invalid-yaml",
        "binary-file",
        "empty-file",
        "missing-front-matter",
        "wrong-type",
        "unknown-key",
        "empty-steps",
        "track-missing-module",
        "subscale-missing-item",
        "reverse-without-scale",
        "duplicate-exercise-ids",
        "duplicate-id-version",
        "bad-audience",
    }
    assert promised <= set(BROKEN_CASES)


def test_problems_in_several_files_are_all_reported_in_one_error(tmp_path):
    for case in ("wrong-type", "bad-audience", "subscale-missing-item"):
        shutil.copytree(BROKEN / case, tmp_path, dirs_exist_ok=True)

    with pytest.raises(ContentError) as raised:
        load_catalog([tmp_path])

    assert {p.field for p in raised.value.problems} == {
        "minutes",
        "audience",
        "subscales[0].items[1]",
    }


def test_a_problem_prints_as_path_line_field_message():
    problem = Problem("content/modules/x.md", 12, "exercises[1].steps", "must not be empty")

    assert str(problem) == "content/modules/x.md:12: exercises[1].steps: must not be empty"


def test_a_key_given_twice_is_reported_because_yaml_would_keep_only_the_last(tmp_path):
    text = module_text().replace("minutes: 20\n", "minutes: 20\nminutes: 25\n", 1)
    write(tmp_path / "modules" / "hello.md", text)

    _, problems = check_content([tmp_path])

    assert [(p.field, p.message) for p in problems] == [("minutes", "duplicate key")]


def test_several_mistakes_in_one_module_each_point_at_their_own_line(tmp_path):
    text = module_text(audience="partners", minutes=0, barriers=["money"])
    path = write(tmp_path / "modules" / "hello.md", text)
    lines = path.read_text().splitlines()

    _, problems = check_content([tmp_path])

    by_field = {p.field: p for p in problems}
    assert set(by_field) == {"audience", "minutes", "barriers[0]"}
    assert lines[by_field["audience"].line - 1].startswith("audience:")
    assert lines[by_field["minutes"].line - 1].startswith("minutes:")
    assert lines[by_field["barriers[0]"].line - 1] == "- money"
    assert by_field["minutes"].message == "must be greater than 0"


def test_front_matter_and_body_mistakes_in_one_module_are_reported_together(tmp_path):
    text = module_text(minutes="forty").replace("## For you\n\nTalk and listen.\n", "")
    write(tmp_path / "modules" / "hello.md", text)

    _, problems = check_content([tmp_path])

    assert [(p.field, p.message) for p in problems] == [
        ("minutes", "must be a whole number"),
        ("body", 'missing section "## For you"'),
    ]


def test_a_missing_content_folder_is_a_problem_not_a_crash(tmp_path):
    missing = tmp_path / "nowhere"

    _, problems = check_content([missing])

    assert [str(p) for p in problems] == [f"{missing}:1: folder: does not exist"]


def test_a_folder_without_content_subfolders_is_reported(tmp_path):
    _, problems = check_content([tmp_path])

    assert problems[0].message == "has no modules/, tracks/ or measures/ folder"


def test_load_file_checks_a_lone_track_against_a_reference_library(tmp_path):
    shipped = load_catalog([shipped_content_dir()])
    track = write(
        tmp_path / "tracks" / "short.yaml",
        "id: short\ntitle: Short\nversion: 1\nsummary: Two modules.\n"
        "pacing: One a fortnight.\nmodules: [open-communication, past-hurts]\n",
    )

    assert load_file(track, reference=shipped).modules == ("open-communication", "past-hurts")
    with pytest.raises(ContentError):
        load_file(track)


# --- practice content over the shipped library ---------------------------------------------


def test_a_practice_folder_adds_modules_and_newer_versions_without_hiding_old_ones(tmp_path):
    shipped, practice = tmp_path / "shipped", tmp_path / "practice"
    write(shipped / "modules" / "hello.md", module_text("hello", 1, title="Hello v1"))
    write(practice / "modules" / "hello.md", module_text("hello", 2, title="Hello v2"))
    write(practice / "modules" / "our-own.md", module_text("our-own", 1))

    catalog = load_catalog([shipped, practice])

    assert catalog.module("hello").title == "Hello v2"
    assert catalog.module("hello", 1).title == "Hello v1"
    assert catalog.module_versions("hello") == (1, 2)
    assert [m.id for m in catalog.modules_latest()] == ["hello", "our-own"]
    assert catalog.counts()["modules"] == 2
    assert catalog.source("module", "hello", 1) == str(shipped / "modules" / "hello.md")


def test_asking_for_content_that_does_not_exist_raises_content_not_found():
    catalog = load_catalog([shipped_content_dir()])

    with pytest.raises(ContentNotFound):
        catalog.module("no-such-module")
    with pytest.raises(ContentNotFound):
        catalog.module("open-communication", 99)
    with pytest.raises(ContentNotFound):
        catalog.measure("trust-pulse").item("no-such-item")


def test_the_catalog_cannot_be_changed_once_loaded():
    catalog = load_catalog([shipped_content_dir()])
    module = catalog.module("open-communication")

    with pytest.raises(TypeError):
        catalog.modules[("sneaky", 1)] = module  # type: ignore[index]
    with pytest.raises(AttributeError):
        catalog.modules = {}  # type: ignore[misc]
    with pytest.raises(ValueError):
        module.title = "Changed"  # type: ignore[misc]


def test_content_dirs_come_from_the_environment_after_the_shipped_library(tmp_path):
    shipped = tmp_path / "shipped"
    value = os.pathsep.join(["/srv/practice", "", " ", "/srv/team"])

    dirs = content_dirs_from_env(shipped, {"TRUSTCARE_CONTENT_DIRS": value})

    assert dirs == [shipped, Path("/srv/practice"), Path("/srv/team")]
    assert content_dirs_from_env(shipped, {}) == [shipped]


def test_get_catalog_reuses_the_loaded_catalog_until_a_file_changes(tmp_path, monkeypatch):
    clear_catalog_cache()
    now = [100.0]
    monkeypatch.setattr(catalog_module, "_clock", lambda: now[0])
    path = write(tmp_path / "modules" / "hello.md", module_text(title="Before"))

    first = get_catalog([tmp_path])
    assert get_catalog([tmp_path]) is first

    path.write_text(module_text(title="After, edited by the practice admin"), encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    # Within the recheck interval the files are not looked at: the loaded catalog is served.
    now[0] += catalog_module.RECHECK_SECONDS / 2
    assert get_catalog([tmp_path]) is first

    now[0] += catalog_module.RECHECK_SECONDS
    assert get_catalog([tmp_path]).module("hello").title == "After, edited by the practice admin"
    unchanged = get_catalog([tmp_path])
    now[0] += catalog_module.RECHECK_SECONDS
    assert get_catalog([tmp_path]) is unchanged  # checked again, nothing changed: not reloaded


def test_get_catalog_raises_content_error_for_broken_content_every_time(tmp_path):
    clear_catalog_cache()
    write(tmp_path / "modules" / "hello.md", module_text(audience="nobody"))

    for _ in range(2):
        with pytest.raises(ContentError):
            get_catalog([tmp_path])


def test_client_text_is_plain_sentences_from_the_client_section_steps_and_prompts(tmp_path):
    text = module_text().replace(
        "Talk and listen.\n",
        "### This week\n\n- **Listen** first\n- Then [ask](https://example.org) a question\n",
    )
    module = load_file(write(tmp_path / "modules" / "hello.md", text))

    assert module.client_text().splitlines() == [
        "This week.",
        "Listen first.",
        "Then ask a question.",
        "Take turns to talk.",
        "What did you hear?",
    ]


# --- nothing but ContentError, whatever the input ------------------------------------------

MODULE_KEYS = [
    "id",
    "title",
    "version",
    "summary",
    "barriers",
    "audience",
    "minutes",
    "exercises",
    "exersises",
    "steps",
    "kind",
]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 10**20),
    st.floats(),
    st.text(max_size=12),
    st.sampled_from(["both", "homework", "hello", "poor-communication", "2024-02-30"]),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.one_of(st.sampled_from(MODULE_KEYS), st.text(max_size=6)), children, max_size=4
        ),
    ),
    max_leaves=10,
)


def load_only_raises_content_error(files: dict[str, str | bytes]) -> None:
    """Write the files into a fresh root and load it: success or ContentError, nothing else."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for relative, data in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                path.write_bytes(data)
            else:
                path.write_text(data, encoding="utf-8")
        try:
            load_catalog([root])
        except ContentError as error:
            assert error.problems
            for problem in error.problems:
                assert "could not be read" not in problem.message, problem
                assert problem.line >= 1


TRUST_PULSE = yaml.safe_load(
    (shipped_content_dir() / "measures" / "trust-pulse.yaml").read_text(encoding="utf-8")
)
fuzz = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@fuzz
@given(front=st.dictionaries(st.sampled_from(MODULE_KEYS), values, max_size=9))
def test_random_front_matter_only_ever_gives_content_error(front):
    text = "---\n" + yaml.safe_dump(front) + "---\n## For the counselor\n\nx\n\n## For you\n\ny\n"
    load_only_raises_content_error({"modules/random.md": text})


@fuzz
@given(data=st.data())
def test_a_valid_module_with_one_random_change_only_ever_gives_content_error(data):
    front = yaml.safe_load(module_text("random").split("---\n")[1])
    exercise = front["exercises"][0]
    target = data.draw(st.sampled_from([front, exercise]))
    key = data.draw(st.sampled_from(sorted(target) + ["exersises"]))
    target[key] = data.draw(values)
    text = "---\n" + yaml.safe_dump(front) + "---\n## For the counselor\n\nx\n\n## For you\n\ny\n"
    load_only_raises_content_error({"modules/random.md": text})


@fuzz
@given(data=st.data())
def test_the_trust_pulse_with_one_random_change_only_ever_gives_content_error(data):
    measure = copy.deepcopy(TRUST_PULSE)
    target = data.draw(
        st.sampled_from(
            [
                measure,
                measure["total"],
                measure["reliable_change"],
                measure["subscales"][0],
                measure["items"][1],
                measure["scales"]["agreement"],
            ]
        )
    )
    key = data.draw(st.sampled_from(sorted(target, key=str)))
    target[key] = data.draw(values)
    load_only_raises_content_error({"measures/random.yaml": yaml.safe_dump(measure)})


@fuzz
@given(text=st.text(max_size=200), raw=st.binary(max_size=64))
def test_random_text_and_bytes_only_ever_give_content_error(text, raw):
    load_only_raises_content_error(
        {
            "tracks/random.yaml": text,
            "measures/random.yaml": raw,
            "modules/random.md": "---\n" + text + "\n---\n## For you\n\nHi.\n",
        }
    )


def test_modules_are_listed_with_each_tracks_stages_in_order():
    catalog = load_catalog([shipped_content_dir()])
    listed = [module.id for module in catalog.modules_latest()]
    for track in catalog.tracks_latest():
        positions = [listed.index(module_id) for module_id in track.modules]
        assert positions == sorted(positions), track.id
    assert sorted(listed) == sorted({module.id for module in catalog.modules.values()})
