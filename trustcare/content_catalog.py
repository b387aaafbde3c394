"""The Catalog object: every loaded version of every module, track and measure.

Its own module, apart from the loader that builds it and the cache that serves it, so that
`content_loading` can build a Catalog and `catalog.get_catalog` can call the loader without an
import cycle (and without importing inside a function to hide one).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from trustcare.content_schema import (
    AUDIENCES,
    BARRIERS,
    KINDS,
    ContentKind,
    ContentNotFound,
    Measure,
    Module,
    Track,
)


def _newest(
    table: Mapping[tuple[str, int], Any], kind: str, content_id: str, version: int | None
) -> Any:
    if version is not None:
        try:
            return table[(content_id, version)]
        except KeyError:
            raise ContentNotFound(f'no {kind} "{content_id}" version {version}') from None
    versions = [v for (i, v) in table if i == content_id]
    if not versions:
        raise ContentNotFound(f'no {kind} "{content_id}"')
    return table[(content_id, max(versions))]


def _latest(table: Mapping[tuple[str, int], Any]) -> tuple[Any, ...]:
    newest: dict[str, int] = {}
    for content_id, version in table:
        newest[content_id] = max(version, newest.get(content_id, version))
    return tuple(table[(i, newest[i])] for i in sorted(newest))


@dataclass(frozen=True, eq=False)
class Catalog:
    """Every loaded version of every module, track and measure; read-only, shared by all users.

    Old versions stay resolvable because an assignment records the version it was made with.
    """

    modules: Mapping[tuple[str, int], Module]
    tracks: Mapping[tuple[str, int], Track]
    measures: Mapping[tuple[str, int], Measure]
    sources: Mapping[tuple[str, str, int], str]

    @classmethod
    def build(
        cls,
        modules: Iterable[Module] = (),
        tracks: Iterable[Track] = (),
        measures: Iterable[Measure] = (),
        sources: Mapping[tuple[str, str, int], str] | None = None,
    ) -> Catalog:
        return cls(
            modules=MappingProxyType({m.key: m for m in modules}),
            tracks=MappingProxyType({t.key: t for t in tracks}),
            measures=MappingProxyType({m.key: m for m in measures}),
            sources=MappingProxyType(dict(sources or {})),
        )

    def module(self, module_id: str, version: int | None = None) -> Module:
        """The given version, or the newest when version is None."""
        return _newest(self.modules, "module", module_id, version)

    def track(self, track_id: str, version: int | None = None) -> Track:
        return _newest(self.tracks, "track", track_id, version)

    def measure(self, measure_id: str, version: int | None = None) -> Measure:
        return _newest(self.measures, "measure", measure_id, version)

    def module_versions(self, module_id: str) -> tuple[int, ...]:
        return tuple(sorted(v for (i, v) in self.modules if i == module_id))

    def modules_latest(self) -> tuple[Module, ...]:
        """The current version of each module in curriculum order: each track's modules in
        stage order (tracks by id), then the modules of no track, by id.

        Ordered by id alone, a track's stages read out of order ("acknowledge", "commitment",
        "open communication"), and a counselor would pick the wrong next stage.
        """
        modules = {module.id: module for module in _latest(self.modules)}
        in_tracks = [module_id for track in self.tracks_latest() for module_id in track.modules]
        ordered = dict.fromkeys(module_id for module_id in in_tracks if module_id in modules)
        return tuple(modules[module_id] for module_id in {**ordered, **modules})

    def tracks_latest(self) -> tuple[Track, ...]:
        return _latest(self.tracks)

    def measures_latest(self) -> tuple[Measure, ...]:
        return _latest(self.measures)

    def source(self, kind: ContentKind, content_id: str, version: int) -> str:
        """The file a piece of content came from, for messages to whoever maintains it."""
        return self.sources[(kind, content_id, version)]

    @property
    def barriers(self) -> tuple[str, ...]:
        return BARRIERS

    @property
    def audiences(self) -> tuple[str, ...]:
        return AUDIENCES

    @property
    def kinds(self) -> tuple[str, ...]:
        return KINDS

    def counts(self) -> dict[str, int]:
        """Distinct ids of each kind; extra versions of one id count once."""
        return {
            "modules": len({i for i, _ in self.modules}),
            "tracks": len({i for i, _ in self.tracks}),
            "measures": len({i for i, _ in self.measures}),
        }
