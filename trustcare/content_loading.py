"""Reading content files into a Catalog, with every mistake as one located line.

Content is edited by people, not programmers, so this is the one place that parses it, and every
mistake comes back as a `path:line: field: message` line inside one `ContentError`, never as a
traceback: front matter is split off, YAML is composed into nodes that keep line numbers,
pydantic's errors are reworded and pointed back at the key or list entry they concern, and the
checks a schema cannot express (ids matching file names, duplicates, measure arithmetic) run
last. Nothing here touches Streamlit or the database.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trustcare.content_catalog import Catalog
from trustcare.content_schema import (
    Content,
    ContentError,
    ContentKind,
    Measure,
    Module,
    ModuleFrontMatter,
    Problem,
    Track,
)
from trustcare.languages import LANGUAGES, TRANSLATED_LANGUAGES

# Which subfolder of a content root holds which kind, and the file endings read there.
_LAYOUT: tuple[tuple[ContentKind, str, tuple[str, ...]], ...] = (
    ("module", "modules", (".md",)),
    ("track", "tracks", (".yaml", ".yml")),
    ("measure", "measures", (".yaml", ".yml")),
)


@dataclass(frozen=True)
class _Parsed:
    """A validated object with what is needed to point at lines in its file later."""

    kind: ContentKind
    content: Content
    path: str
    root: Node
    line_offset: int

    def problem(self, loc: Sequence[str | int], message: str) -> Problem:
        line = _line_of(self.root, loc) + self.line_offset
        return Problem(self.path, line, _field_name(loc), message)


def check_content(
    dirs: Sequence[Path], *, reference: Catalog | None = None
) -> tuple[Catalog, list[Problem]]:
    """Load what can be loaded and list every problem; `load_catalog` is the strict form.

    `reference` is an extra place where a track's module ids may be found (the shipped library
    when a practice folder is checked on its own); its content is not added to the result.
    """
    problems: list[Problem] = []
    order: dict[str, int] = {}
    parsed: list[_Parsed] = []
    attempted_ids: dict[ContentKind, set[str]] = {"module": set(), "track": set(), "measure": set()}

    for root in dirs:
        root = Path(root)
        if not root.is_dir():
            what = "is not a folder" if root.exists() else "does not exist"
            problems.append(Problem(str(root), 1, "folder", what))
            continue
        if not any((root / sub).is_dir() for _, sub, _ in _LAYOUT):
            problems.append(
                Problem(str(root), 1, "folder", "has no modules/, tracks/ or measures/ folder")
            )
            continue
        for kind, sub, endings in _LAYOUT:
            for path in _content_files(root / sub, endings):
                order.setdefault(str(path), len(order))
                attempted_ids[kind].add(path.stem)
                item, file_problems = _parse_file(kind, path)
                problems.extend(file_problems)
                if item is not None:
                    parsed.append(item)

    registry: dict[tuple[ContentKind, str, int], _Parsed] = {}
    for item in parsed:
        key = (item.kind, item.content.id, item.content.version)
        if key in registry:
            first = registry[key].path
            problems.append(
                item.problem(
                    ("version",),
                    f'{item.kind} "{key[1]}" version {key[2]} is also defined in {first}',
                )
            )
            continue
        registry[key] = item

    known_modules = attempted_ids["module"] | {i for (k, i, _) in registry if k == "module"}
    if reference is not None:
        known_modules |= {i for i, _ in reference.modules}
    for item in registry.values():
        if isinstance(item.content, Track):
            for index, module_id in enumerate(item.content.modules):
                if module_id not in known_modules:
                    problems.append(
                        item.problem(("modules", index), f'no module with id "{module_id}"')
                    )

    problems.sort(key=lambda p: (order.get(p.path, len(order)), p.line))
    catalog = Catalog.build(
        modules=(i.content for i in registry.values() if isinstance(i.content, Module)),
        tracks=(i.content for i in registry.values() if isinstance(i.content, Track)),
        measures=(i.content for i in registry.values() if isinstance(i.content, Measure)),
        sources={key: item.path for key, item in registry.items()},
    )
    return catalog, problems


def load_catalog(dirs: Sequence[Path], *, reference: Catalog | None = None) -> Catalog:
    """Load content roots in order: the shipped library first, then practice folders.

    A later folder may add ids or newer versions of existing ids; the same id and version in
    two files is a problem. Raises ContentError listing every problem in every file.
    """
    catalog, problems = check_content(dirs, reference=reference)
    if problems:
        raise ContentError(problems)
    return catalog


def kind_of_file(path: Path) -> ContentKind:
    """Guess what a lone file holds: by its folder (modules/, tracks/, measures/), else its ending
    and, for YAML, whether it lists items."""
    for kind, sub, _ in _LAYOUT:
        if path.parent.name == sub:
            return kind
    if path.suffix == ".md":
        return "module"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except Exception:  # the real parse reports whatever is wrong with the file
        return "track"
    return "measure" if isinstance(data, dict) and "items" in data else "track"


def check_file(
    path: Path, *, kind: ContentKind | None = None, reference: Catalog | None = None
) -> tuple[Content | None, list[Problem]]:
    """Check one file on its own; a track's module ids are looked up in `reference`."""
    kind = kind or kind_of_file(path)
    item, problems = _parse_file(kind, path)
    if item is not None and isinstance(item.content, Track):
        known = {i for i, _ in reference.modules} if reference is not None else set()
        for index, module_id in enumerate(item.content.modules):
            if module_id not in known:
                message = f'no module with id "{module_id}"'
                problems.append(item.problem(("modules", index), message))
    return (item.content if item is not None else None), problems


def load_file(
    path: Path, *, kind: ContentKind | None = None, reference: Catalog | None = None
) -> Content:
    """The strict form of `check_file`: the content, or ContentError."""
    content, problems = check_file(path, kind=kind, reference=reference)
    if problems or content is None:
        raise ContentError(problems)
    return content


def _content_files(folder: Path, endings: tuple[str, ...]) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in endings and not p.name.startswith("."))


def _parse_file(kind: ContentKind, path: Path) -> tuple[_Parsed | None, list[Problem]]:
    """Never raises: anything unexpected becomes a problem on line 1 of the file."""
    shown = str(path)
    try:
        parsed, problems = _parse_file_unguarded(kind, path, shown)
        return parsed, sorted(problems, key=lambda p: p.line)
    except Exception as exc:  # a file must never be able to crash the loader
        return None, [Problem(shown, 1, "file", f"could not be read: {_short(exc)}")]


def _parse_file_unguarded(
    kind: ContentKind, path: Path, shown: str
) -> tuple[_Parsed | None, list[Problem]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, "file", f"could not be read: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(shown, 1, "file", "is not UTF-8 text")]
    if "\x00" in text:
        return None, [Problem(shown, 1, "file", "is not UTF-8 text")]
    if not text.strip():
        return None, [Problem(shown, 1, "file", "is empty")]

    body = ""
    body_line = 1
    if kind == "module":
        split = _split_front_matter(text)
        if isinstance(split, Problem):
            return None, [Problem(shown, split.line, split.field, split.message)]
        yaml_text, body, body_line = split
        offset, what = 2, "front matter"
    else:
        yaml_text, offset, what = text, 1, "file"

    loaded = _compose(yaml_text)
    if isinstance(loaded, Problem):
        return None, [Problem(shown, loaded.line + offset - 1, what, loaded.message)]
    root, data = loaded
    if root is None or not isinstance(data, dict):
        message = "is empty" if root is None else "must be a mapping of keys to values"
        return None, [
            Problem(shown, offset if root is None else _line_of(root, ()) + offset, what, message)
        ]

    problems = [
        Problem(shown, line + offset, field, "duplicate key")
        for line, field in _duplicate_keys(root)
    ]
    sections = _body_sections(body, body_line) if kind == "module" else None
    if sections is not None:
        problems.extend(
            Problem(shown, line, "body", message) for line, message in sections.problems
        )
    model: type[BaseModel] = {
        "module": ModuleFrontMatter,
        "track": Track,
        "measure": Measure,
    }[kind]
    try:
        validated = model.model_validate(data)
    except ValidationError as exc:
        for loc, message in _messages(exc):
            problems.append(Problem(shown, _line_of(root, loc) + offset, _field_name(loc), message))
        return None, problems
    if sections is not None:
        validated = Module.model_validate(
            {
                **dict(validated),
                "counselor_markdown": sections.counselor,
                "client_markdown": sections.client,
                "client_markdown_translated": sections.translated,
            }
        )

    parsed = _Parsed(kind, validated, shown, root, offset)  # type: ignore[arg-type]
    problems.extend(parsed.problem(loc, message) for loc, message in _file_checks(parsed, path))
    if sections is not None:
        problems.extend(_translated_sections(parsed, sections, body_line))
    if problems:
        return None, problems
    return parsed, []


def _split_front_matter(text: str) -> tuple[str, str, int] | Problem:
    lines = re.split(r"\r\n|\r|\n", text)
    if lines[0].rstrip() != "---":
        return Problem("", 1, "front matter", 'missing; the file must start with a line "---"')
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            front = "\n".join(lines[1:index])
            body = "\n".join(lines[index + 1 :])
            return front, body, index + 2
    return Problem("", 1, "front matter", 'not closed; end it with a line "---"')


def _compose(text: str) -> tuple[Node | None, Any] | Problem:
    """YAML text to (node tree, data); the nodes keep line numbers for messages."""
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        char = exc.character
        shown = f"#x{char:04x}" if isinstance(char, int) else repr(char)
        return Problem("", line, "yaml", f"invalid YAML: character {shown} is not allowed")
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        message = exc.problem or exc.context or "invalid YAML"
        return Problem("", line, "yaml", f"invalid YAML: {message}")
    except yaml.YAMLError as exc:
        return Problem("", 1, "yaml", f"invalid YAML: {_short(exc)}")
    except (ValueError, TypeError, OverflowError) as exc:
        # PyYAML builds dates and numbers with Python's constructors, e.g. 2024-02-30.
        return Problem("", 1, "yaml", f"invalid value: {_short(exc)}")
    except RecursionError:
        return Problem("", 1, "yaml", "invalid YAML: nested too deeply")
    finally:
        loader.dispose()
    return node, data


@dataclass(frozen=True)
class _Sections:
    counselor: str
    client: str
    problems: list[tuple[int, str]]
    # "## For you (es)" and the like, by language code, with the line of each heading.
    translated: dict[str, str]
    translated_lines: dict[str, int]


_COUNSELOR = "## For the counselor"
_CLIENT = "## For you"
_H2 = re.compile(r"^##[ \t]+(.*?)[ \t#]*$", re.MULTILINE)


def _client_heading(language: str) -> str:
    return f"{_CLIENT} ({language})"


def _body_sections(body: str, body_line: int) -> _Sections:
    """Split the Markdown body on its level-2 headings; other level-2 sections are ignored."""
    wanted = {_COUNSELOR.lower(): _COUNSELOR, _CLIENT.lower(): _CLIENT}
    wanted |= {_client_heading(code).lower(): _client_heading(code) for code in LANGUAGES}
    lines: dict[str, int] = {}
    found: dict[str, str] = {}
    problems: list[tuple[int, str]] = []
    headings = list(_H2.finditer(body))
    for index, match in enumerate(headings):
        heading = f"## {match.group(1)}".lower()
        if heading not in wanted:
            continue
        line = body_line + body.count("\n", 0, match.start())
        end = headings[index + 1].start() if index + 1 < len(headings) else len(body)
        text = body[match.end() : end].strip("\n")
        name = wanted[heading]
        lines.setdefault(name, line)
        if name in found:
            problems.append((line, f'section "{name}" appears twice'))
        elif not text.strip():
            problems.append((line, f'section "{name}" is empty'))
        found[name] = text
    # With no body at all, point at the closing "---" rather than past the end of the file.
    anchor = body_line if body.strip() else body_line - 1
    for name in (_COUNSELOR, _CLIENT):
        if name not in found:
            problems.append((anchor, f'missing section "{name}"'))
    for code in LANGUAGES:
        if _client_heading(code) in found and code not in TRANSLATED_LANGUAGES:
            line = lines[_client_heading(code)]
            problems.append((line, f'section "{_client_heading(code)}": use "{_CLIENT}" for it'))
    translated = {
        code: found[_client_heading(code)]
        for code in TRANSLATED_LANGUAGES
        if _client_heading(code) in found
    }
    translated_lines = {code: lines[_client_heading(code)] for code in translated}
    return _Sections(
        found.get(_COUNSELOR, ""),
        found.get(_CLIENT, ""),
        problems,
        translated,
        translated_lines,
    )


# --------------------------------------------------------------------------------------------
# Checks that a schema cannot express


def _file_checks(parsed: _Parsed, path: Path) -> list[tuple[tuple[str | int, ...], str]]:
    content = parsed.content
    found: list[tuple[tuple[str | int, ...], str]] = []
    if content.id != path.stem:
        found.append((("id",), f'must match the file name "{path.stem}"'))
    if isinstance(content, Module):
        found += _duplicates("exercises", [e.id for e in content.exercises], "exercise id", "id")
        found += _duplicates("barriers", list(content.barriers), "barrier")
        found += _module_translation_checks(content)
    elif isinstance(content, Track):
        found += _duplicates("modules", list(content.modules), "module id")
    elif isinstance(content, Measure):
        found += _measure_checks(content)
        found += _measure_translation_checks(content)
    return found


def _counted(count: int, what: str) -> str:
    return f"{count} {what}" if count == 1 else f"{count} {what}s"


def _module_translation_checks(module: Module) -> list[tuple[tuple[str | int, ...], str]]:
    """A translation covers every exercise, step and prompt of the module, and nothing else."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    exercises = {exercise.id: exercise for exercise in module.exercises}
    for language, translation in module.translations.items():
        where = ("translations", language, "exercises")
        missing = [e for e in exercises if e not in translation.exercises]
        if missing:
            names = ", ".join(f'"{e}"' for e in missing)
            found.append((where, f"missing the exercise(s) {names}"))
        for exercise_id, words in translation.exercises.items():
            if exercise_id not in exercises:
                found.append(((*where, exercise_id), "no exercise with this id in the module"))
                continue
            english = exercises[exercise_id]
            for field, what in (("steps", "step"), ("reflection_prompts", "prompt")):
                have, want = len(getattr(words, field)), len(getattr(english, field))
                if have != want:
                    found.append(
                        (
                            (*where, exercise_id, field),
                            f"has {_counted(have, what)}; the English has {want}",
                        )
                    )
    return found


def _measure_translation_checks(measure: Measure) -> list[tuple[tuple[str | int, ...], str]]:
    """A translation words every item and every anchor of every scale, and nothing else."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    item_ids = [item.id for item in measure.items]
    for language, translation in measure.translations.items():
        where = ("translations", language)
        missing = [i for i in item_ids if i not in translation.items]
        if missing:
            names = ", ".join(f'"{i}"' for i in missing)
            found.append(((*where, "items"), f"missing the item(s) {names}"))
        for item_id in translation.items:
            if item_id not in item_ids:
                found.append(((*where, "items", item_id), "no item with this id in the measure"))
        for name, scale in measure.scales.items():
            anchors = translation.anchors.get(name)
            if anchors is None:
                found.append(((*where, "anchors"), f'missing the scale "{name}"'))
                continue
            missing_anchors = sorted(set(scale.anchors) - set(anchors))
            extra_anchors = sorted(set(anchors) - set(scale.anchors))
            if missing_anchors or extra_anchors:
                said = []
                if missing_anchors:
                    said.append("missing anchor(s) " + ", ".join(map(str, missing_anchors)))
                if extra_anchors:
                    said.append(
                        "has anchor(s) "
                        + ", ".join(map(str, extra_anchors))
                        + ", which the English scale does not have"
                    )
                found.append(((*where, "anchors", name), "; ".join(said)))
        for name in translation.anchors:
            if name not in measure.scales:
                found.append(((*where, "anchors", name), "no scale with this name"))
    return found


def _translated_sections(parsed: _Parsed, sections: _Sections, body_line: int) -> list[Problem]:
    """Every translation in the front matter has its "## For you (xx)" section, and back."""
    module = parsed.content
    assert isinstance(module, Module)
    problems: list[Problem] = []
    for language in module.translations:
        if language not in sections.translated:
            problems.append(
                parsed.problem(
                    ("translations", language),
                    f'has no section "{_client_heading(language)}" in the body',
                )
            )
    for language, line in sections.translated_lines.items():
        if language not in module.translations:
            problems.append(
                Problem(
                    parsed.path,
                    line,
                    "body",
                    f'section "{_client_heading(language)}" has no translations.{language} '
                    "in the front matter",
                )
            )
    return problems


def _duplicates(
    field: str, values: list[str], what: str, subfield: str | None = None
) -> list[tuple[tuple[str | int, ...], str]]:
    seen: set[str] = set()
    found: list[tuple[tuple[str | int, ...], str]] = []
    for index, value in enumerate(values):
        if value in seen:
            loc: tuple[str | int, ...] = (field, index) + ((subfield,) if subfield else ())
            found.append((loc, f'duplicate {what} "{value}"'))
        seen.add(value)
    return found


def _measure_checks(measure: Measure) -> list[tuple[tuple[str | int, ...], str]]:
    found: list[tuple[tuple[str | int, ...], str]] = []
    for name, scale in measure.scales.items():
        if scale.max <= scale.min:
            found.append((("scales", name, "max"), "must be greater than min"))
            continue
        for anchor in scale.anchors:
            if not scale.min <= anchor <= scale.max:
                found.append(
                    (
                        ("scales", name, "anchors", anchor),
                        f"outside the scale ({scale.min} to {scale.max})",
                    )
                )

    found += _duplicates("items", [i.id for i in measure.items], "item id", "id")
    items = {item.id: item for item in measure.items}
    for index, item in enumerate(measure.items):
        if item.scale is not None and item.scale not in measure.scales:
            found.append((("items", index, "scale"), f'no scale named "{item.scale}"'))
        if item.scale is None and item.reverse:
            found.append(
                (("items", index, "reverse"), "only an item with a scale can be reverse-keyed")
            )
        if item.scale is None and item.safety:
            found.append((("items", index, "safety"), "a safety item needs a scale (e.g. no/yes)"))

    found += _duplicates("required", list(measure.required), "required item", None)
    for index, item_id in enumerate(measure.required):
        if item_id not in items:
            found.append((("required", index), f'no item with id "{item_id}"'))
        elif items[item_id].scale is None:
            found.append(
                (("required", index), f'item "{item_id}" is free text; it cannot be required')
            )

    def needs_scored_item(loc: tuple[str | int, ...], item_id: str) -> None:
        if item_id not in items:
            found.append((loc, f'no item with id "{item_id}"'))
        elif items[item_id].scale is None:
            found.append((loc, f'item "{item_id}" is free text and cannot be scored'))
        elif items[item_id].scale not in measure.scales:
            pass  # already reported on the item itself
        elif items[item_id].safety:
            found.append((loc, f'item "{item_id}" is a safety item and is never scored'))

    found += _duplicates("subscales", [s.id for s in measure.subscales], "subscale id", "id")
    owner: dict[str, str] = {}
    for s_index, subscale in enumerate(measure.subscales):
        for i_index, item_id in enumerate(subscale.items):
            loc: tuple[str | int, ...] = ("subscales", s_index, "items", i_index)
            needs_scored_item(loc, item_id)
            if item_id in owner:
                found.append((loc, f'item "{item_id}" is already in subscale "{owner[item_id]}"'))
            owner.setdefault(item_id, subscale.id)

    total = measure.total
    seen_total: set[str] = set()
    for index, item_id in enumerate(total.items):
        needs_scored_item(("total", "items", index), item_id)
        if item_id in seen_total:
            found.append((("total", "items", index), f'duplicate item id "{item_id}"'))
        seen_total.add(item_id)
    scales = [
        measure.scales[items[i].scale]  # type: ignore[index]
        for i in total.items
        if i in items and items[i].scale in measure.scales
    ]
    if len(scales) == len(total.items):
        if total.rule == "sum":
            expected = (sum(s.min for s in scales), sum(s.max for s in scales))
        else:
            expected = (min(s.min for s in scales), max(s.max for s in scales))
        if tuple(total.range) != expected:
            found.append(
                (
                    ("total", "range"),
                    f"must be [{expected[0]}, {expected[1]}] for a {total.rule} of these items",
                )
            )
    lo, hi = total.range
    if measure.cutoff is not None and not lo <= measure.cutoff <= hi:
        found.append((("cutoff",), f"must lie within the total's range [{lo:g}, {hi:g}]"))

    for field in ("overall_item", "practice_item"):
        item_id = getattr(measure, field)
        if item_id is None:
            continue
        if item_id not in items:
            found.append(((field,), f'no item with id "{item_id}"'))
        elif items[item_id].scale is None:
            found.append(((field,), f'item "{item_id}" needs a scale'))
    return found


# --------------------------------------------------------------------------------------------
# From pydantic and YAML to file lines


def _line_of(root: Node, loc: Sequence[str | int]) -> int:
    """0-based line of the key or list entry that `loc` points at, else of its nearest parent."""
    node = root
    line = root.start_mark.line
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(node, MappingNode):
            # Iterate backwards: with a repeated key, YAML keeps the last one.
            for key_node, value_node in reversed(node.value):
                if isinstance(key_node, ScalarNode) and key_node.value == str(part):
                    line = key_node.start_mark.line
                    node = value_node
                    break
            else:
                return line
        elif (
            isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line
        else:
            return line
    return line


def _field_name(loc: Sequence[str | int]) -> str:
    name = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or "file"


def _duplicate_keys(root: Node) -> list[tuple[int, str]]:
    """Keys given twice in one mapping: YAML keeps the last silently, which hides edits."""
    found: list[tuple[int, str]] = []
    seen_nodes: set[int] = set()

    def walk(node: Node, path: tuple[str | int, ...]) -> None:
        if id(node) in seen_nodes:
            return
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            keys: set[str] = set()
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode):
                    if key_node.value in keys:
                        found.append(
                            (key_node.start_mark.line, _field_name((*path, key_node.value)))
                        )
                    keys.add(key_node.value)
                    walk(value_node, (*path, key_node.value))
        elif isinstance(node, SequenceNode):
            for index, child in enumerate(node.value):
                walk(child, (*path, index))

    walk(root, ())
    return found


def _messages(exc: ValidationError) -> list[tuple[tuple[str | int, ...], str]]:
    """Short messages per location; an unknown key that looks like a missing one says so."""
    errors = exc.errors(include_url=False)
    missing = {
        tuple(e["loc"]) for e in errors if e["type"] == "missing" and isinstance(e["loc"][-1], str)
    }
    merged: set[tuple[str | int, ...]] = set()
    results: list[tuple[tuple[str | int, ...], str]] = []
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc
            for other in errors
        ):
            continue  # pydantic also calls a list with only bad entries "too short"; noise
        if error["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
            candidates = [m[-1] for m in missing if m[:-1] == loc[:-1] and m not in merged]
            close = difflib.get_close_matches(loc[-1], candidates, n=1, cutoff=0.75)  # type: ignore[arg-type]
            if close:
                merged.add((*loc[:-1], close[0]))
                results.append((loc, f'unknown key; did you mean "{close[0]}"?'))
                continue
        results.append((loc, _message(error)))
    return [(loc, message) for loc, message in results if loc not in merged]


def _message(error: Any) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        in_list = bool(error["loc"]) and isinstance(error["loc"][-1], int)
        return "missing value" if in_list else "field required"
    if kind in ("extra_forbidden", "invalid_key"):
        return "unknown key"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"must be one of: {', '.join(options)}"
    if kind == "too_short":
        minimum = ctx.get("min_length", 1)
        return "must not be empty" if minimum == 1 else f"must have at least {minimum} entries"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} entries"
    if kind == "string_pattern_mismatch":
        return "must be lowercase letters and digits joined by hyphens, e.g. open-communication"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    simple = {
        "string_type": "must be text",
        "int_type": "must be a whole number",
        "int_from_float": "must be a whole number",
        "int_parsing": "must be a whole number",
        "float_type": "must be a number",
        "float_parsing": "must be a number",
        "finite_number": "must be a finite number",
        "bool_type": "must be true or false",
        "bool_parsing": "must be true or false",
        "tuple_type": "must be a list",
        "list_type": "must be a list",
        "dict_type": "must be a mapping of keys to values",
        "model_type": "must be a mapping of keys to values",
        "model_attributes_type": "must be a mapping of keys to values",
        "recursion_loop": "refers to itself",
    }
    if kind in simple:
        return simple[kind]
    comparisons = {
        "greater_than": ("must be greater than", "gt"),
        "greater_than_equal": ("must be at least", "ge"),
        "less_than": ("must be less than", "lt"),
        "less_than_equal": ("must be at most", "le"),
    }
    if kind in comparisons:
        words, key = comparisons[kind]
        return f"{words} {ctx.get(key)}"
    return str(error["msg"]).lower()


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] if text else type(exc).__name__
