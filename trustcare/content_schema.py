"""The content schema: what a module, track or measure file may say, and the errors it raises.

Pydantic models, the vocabularies they use (barriers, audiences, exercise kinds) with their
labels, and the `Problem`/`ContentError`/`ContentNotFound` every content module shares. Of
this package it imports only `content_text` (for `Module.client_text`), so it sits at the bottom
of the content modules, which import each other in one direction only:
content_text <- content_schema <- content_catalog <- content_loading <- catalog.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from trustcare.content_text import as_sentence, markdown_blocks
from trustcare.languages import DEFAULT_LANGUAGE, TranslatedLanguage

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"

Barrier = Literal[
    "past-betrayal", "insecurity", "poor-communication", "fear-of-vulnerability", "jealousy"
]
Audience = Literal["both", "each-partner", "hurt-partner", "involving-partner"]
ExerciseKind = Literal["in-session", "homework"]
ScoringRule = Literal["sum", "mean"]
Direction = Literal["higher-is-better", "lower-is-better"]
ContentKind = Literal["module", "track", "measure"]

BARRIERS: tuple[str, ...] = get_args(Barrier)
AUDIENCES: tuple[str, ...] = get_args(Audience)
KINDS: tuple[str, ...] = get_args(ExerciseKind)

BARRIER_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "past-betrayal": "Past betrayal or trauma",
        "insecurity": "Insecurity and low self-esteem",
        "poor-communication": "Poor communication",
        "fear-of-vulnerability": "Fear of vulnerability",
        "jealousy": "Jealousy",
    }
)
AUDIENCE_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "both": "Both partners together",
        "each-partner": "Each partner on their own",
        "hurt-partner": "The hurt partner",
        "involving-partner": "The involving partner",
    }
)
KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {"in-session": "In session", "homework": "Homework"}
)


# --------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class Problem:
    """One mistake in one content file, located well enough for an editor to jump to it."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class ContentError(Exception):
    """Raised once with every problem found, so a fix-and-rerun loop shows them all at once."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class ContentNotFound(LookupError):
    """An id (or id and version) that the catalog does not hold."""


# --------------------------------------------------------------------------------------------
# Schema


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


Id = Annotated[StrictStr, Field(pattern=ID_PATTERN)]
Text = Annotated[StrictStr, AfterValidator(_not_blank)]
PositiveInt = Annotated[StrictInt, Field(gt=0)]
# Strict, so "5" or true are refused, but 5 is still accepted where a float is expected.
Number = Annotated[float, Field(strict=True)]


class _Content(BaseModel):
    # Unknown keys are errors, so a typo such as "exersises" cannot silently drop data.
    model_config = ConfigDict(extra="forbid", frozen=True)


class Exercise(_Content):
    """One thing the couple does, in the session or at home."""

    id: Id
    title: Text
    kind: ExerciseKind
    minutes: PositiveInt
    steps: Annotated[tuple[Text, ...], Field(min_length=1)]
    reflection_prompts: Annotated[tuple[Text, ...], Field(min_length=1)]


class ExerciseTranslation(_Content):
    """An exercise's client-facing words in another language: the same steps, in order."""

    title: Text
    steps: Annotated[tuple[Text, ...], Field(min_length=1)]
    reflection_prompts: Annotated[tuple[Text, ...], Field(min_length=1)]


class ModuleTranslation(_Content):
    """What a client reads of a module in another language; the body adds "## For you (xx)"."""

    title: Text
    summary: Text
    exercises: Annotated[dict[Id, ExerciseTranslation], Field(min_length=1)]


class ModuleFrontMatter(_Content):
    """The YAML front matter of a module file, validated before the body is attached."""

    id: Id
    title: Text
    version: PositiveInt
    summary: Text
    barriers: Annotated[tuple[Barrier, ...], Field(min_length=1)]
    audience: Audience
    minutes: PositiveInt
    exercises: Annotated[tuple[Exercise, ...], Field(min_length=1)]
    # The client's side in other languages, keyed by language code (see trustcare/languages.py).
    translations: dict[TranslatedLanguage, ModuleTranslation] = Field(default_factory=dict)


class Module(ModuleFrontMatter):
    """A module as assigned: front matter plus the counselor's notes and the client's text."""

    counselor_markdown: str
    client_markdown: str
    # The "## For you (xx)" sections of the body, by language.
    client_markdown_translated: dict[str, str] = Field(default_factory=dict)

    def __hash__(self) -> int:
        return hash(self.key)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages a client can read this module in, English first."""
        return (DEFAULT_LANGUAGE, *sorted(self.translations))

    def in_language(self, language: str) -> Module:
        """This module as a client reading `language` sees it; English where it has none.

        Ids, kinds, minutes and the version stay as they are, so progress and assignments made
        in one language are the same rows in another.
        """
        translation = self.translations.get(language)  # type: ignore[call-overload]
        if translation is None:
            return self
        exercises = tuple(
            exercise.model_copy(
                update={
                    "title": translation.exercises[exercise.id].title,
                    "steps": translation.exercises[exercise.id].steps,
                    "reflection_prompts": translation.exercises[exercise.id].reflection_prompts,
                }
            )
            for exercise in self.exercises
        )
        return self.model_copy(
            update={
                "title": translation.title,
                "summary": translation.summary,
                "exercises": exercises,
                "client_markdown": self.client_markdown_translated[language],
            }
        )

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    def exercise(self, exercise_id: str) -> Exercise:
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        raise ContentNotFound(f'module "{self.id}" has no exercise "{exercise_id}"')

    def client_text(self, language: str = DEFAULT_LANGUAGE) -> str:
        """Everything a client reads, as plain text with one sentence-ended block per line.

        Headings, list items and steps end in punctuation here because a reader takes each
        as a unit; readability formulas would otherwise glue them into one long sentence.
        """
        module = self.in_language(language)
        blocks = markdown_blocks(module.client_markdown)
        for exercise in module.exercises:
            blocks.extend(exercise.steps)
            blocks.extend(exercise.reflection_prompts)
        return "\n".join(as_sentence(block) for block in blocks if block.strip())


class Track(_Content):
    """An ordered path through modules, with advice on how fast to walk it."""

    id: Id
    title: Text
    version: PositiveInt
    summary: Text
    pacing: Text
    modules: Annotated[tuple[Id, ...], Field(min_length=1)]

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)


class Scale(_Content):
    """A response scale: whole numbers from min to max, some of them labelled."""

    min: StrictInt
    max: StrictInt
    anchors: Annotated[dict[StrictInt, Text], Field(min_length=1)]

    def __hash__(self) -> int:
        # The generated hash would fail on the anchors dict; frozen content should be hashable.
        return hash((self.min, self.max, tuple(sorted(self.anchors.items()))))


class MeasureItem(_Content):
    """One question; without a scale it is free text and is never scored."""

    id: Id
    text: Text
    scale: Id | None = None
    reverse: StrictBool = False
    safety: StrictBool = False


class Subscale(_Content):
    id: Id
    title: Text
    items: Annotated[tuple[Id, ...], Field(min_length=1)]


class MeasureTranslation(_Content):
    """A measure's client-facing words in another language: every item and every anchor.

    The items, their keys and scales stay the same, so scores in two languages compare.
    """

    title: Text
    about: Text
    items: Annotated[dict[Id, Text], Field(min_length=1)]
    anchors: Annotated[dict[Id, dict[StrictInt, Text]], Field(min_length=1)]


class FeedbackThresholds(_Content):
    """When a session-feedback total calls for the counselor's attention, beside the cut-off:
    a drop of at least `drop` points from the partner's last session, or the two partners'
    totals for one session at least `split` points apart."""

    drop: Annotated[float, Field(strict=True, gt=0)]
    split: Annotated[float, Field(strict=True, gt=0)]


class Total(_Content):
    items: Annotated[tuple[Id, ...], Field(min_length=1)]
    rule: ScoringRule
    range: tuple[Number, Number]
    direction: Direction


class ReliableChange(_Content):
    """Jacobson–Truax constants: SD of first scores and the measure's reliability."""

    sd: Annotated[float, Field(strict=True, gt=0)]
    reliability: Annotated[float, Field(strict=True, ge=0, lt=1)]
    provisional: StrictBool


class Measure(_Content):
    """A check-in instrument: items, how they are keyed and scored, and what counts as change."""

    id: Id
    title: Text
    version: PositiveInt
    provisional: StrictBool
    about: Text
    scales: Annotated[dict[Id, Scale], Field(min_length=1)]
    items: Annotated[tuple[MeasureItem, ...], Field(min_length=1)]
    subscales: tuple[Subscale, ...] = ()
    total: Total
    reliable_change: ReliableChange
    cutoff: Number | None = None
    overall_item: Id
    # How often the assigned practice was done; a session-feedback measure has none.
    practice_item: Id | None = None
    # Items a check-in cannot be sent without; every other item may be skipped.
    required: tuple[Id, ...] = ()
    # Only for session feedback: the drop and split that raise an alert (see FeedbackThresholds).
    feedback: FeedbackThresholds | None = None
    translations: dict[TranslatedLanguage, MeasureTranslation] = Field(default_factory=dict)

    @property
    def key(self) -> tuple[str, int]:
        return (self.id, self.version)

    @property
    def required_items(self) -> tuple[str, ...]:
        return self.required

    def __hash__(self) -> int:
        # Id and version identify a measure; the generated hash would fail on its dicts.
        return hash((self.id, self.version))

    @property
    def higher_is_better(self) -> bool:
        return self.total.direction == "higher-is-better"

    @property
    def safety_items(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items if item.safety)

    def item(self, item_id: str) -> MeasureItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise ContentNotFound(f'measure "{self.id}" has no item "{item_id}"')

    @property
    def languages(self) -> tuple[str, ...]:
        return (DEFAULT_LANGUAGE, *sorted(self.translations))

    def in_language(self, language: str) -> Measure:
        """The measure as a client reading `language` sees it; English where it has none."""
        translation = self.translations.get(language)  # type: ignore[call-overload]
        if translation is None:
            return self
        scales = {
            name: scale.model_copy(update={"anchors": dict(translation.anchors[name])})
            for name, scale in self.scales.items()
        }
        items = tuple(
            item.model_copy(update={"text": translation.items[item.id]}) for item in self.items
        )
        return self.model_copy(
            update={
                "title": translation.title,
                "about": translation.about,
                "scales": scales,
                "items": items,
            }
        )

    def scale_of(self, item_id: str) -> Scale | None:
        name = self.item(item_id).scale
        return None if name is None else self.scales[name]

    def subscale_of(self, item_id: str) -> Subscale | None:
        for subscale in self.subscales:
            if item_id in subscale.items:
                return subscale
        return None


Content = Module | Track | Measure
