"""Cells: one figure per period, geography, level and breakdown, and how fact tallies at the
finest grain (period x municipality x level x sex, or period x breakdown value) roll up into
them. Tallies are sums of counts over disjoint groups of officers, so rolling up is addition:
an officer has exactly one municipality, level and sex in the projection."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

STATE = "state:15"
ALL = "all"
LEVELS = ("estatal", "municipal")
SEXES = ("hombre", "mujer")


def municipality_geo(code: int) -> str:
    return f"municipality:{code}"


def breakdown(dimension: str, value: object) -> str:
    return f"{dimension}:{value}"


class CellId(NamedTuple):
    """A tuple, not a dataclass: a refresh hashes, compares and builds hundreds of thousands
    per refresh, and a tuple's are done in C (same fields, same order)."""

    period: str
    geography: str
    level: str = ALL
    breakdown: str = ALL

    @property
    def dimension(self) -> str:
        return ALL if self.breakdown == ALL else self.breakdown.split(":", 1)[0]


def cell_key(
    indicator: str, period: str, geography: str, level: str = ALL, breakdown_: str = ALL
) -> str:
    """``indicator:period:geography[:level:<level>][:<breakdown>]``, the feed's compaction key."""
    key = f"{indicator}:{period}:{geography}"
    if level != ALL:
        key += f":level:{level}"
    return key if breakdown_ == ALL else f"{key}:{breakdown_}"


@dataclass
class Tally:
    """What a cell counts: ``officers`` (distinct people), additive ``measures``, ``as_of``,
    the time of the latest fact counted (microseconds), and ``keys``: per measure, the sum of
    its contributing records' (salted) record keys, from which its cell key follows
    (``domain.perturbation``)."""

    officers: int = 0
    measures: dict[str, float] = field(default_factory=dict)
    as_of: int | None = None
    keys: dict[str, int] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        self.officers += other.officers
        for name, value in other.measures.items():
            self.measures[name] = self.measures.get(name, 0) + value
        for name, key in other.keys.items():
            self.keys[name] = self.keys.get(name, 0) + key
        if other.as_of is not None:
            self.as_of = other.as_of if self.as_of is None else max(self.as_of, other.as_of)


@dataclass(frozen=True)
class Grain:
    """One group of the finest grain a fact query returns."""

    period: str
    tally: Tally
    municipality: int | None = None
    level: str | None = None
    sex: str | None = None
    dimension: tuple[str, str] | None = None
    """(dimension, value) for a breakdown query; then municipality, level and sex are unused."""


@dataclass(frozen=True)
class Shape:
    """Which cells a family publishes beyond the state total."""

    by_municipality: bool = True
    by_level: bool = True
    by_sex: bool = True


def cells_of(grain: Grain, shape: Shape) -> Iterable[CellId]:
    p = grain.period
    if grain.dimension is not None:
        yield CellId(p, STATE, ALL, breakdown(*grain.dimension))
        return
    sexes = [ALL]
    if shape.by_sex and grain.sex is not None:
        sexes.append(breakdown("sex", grain.sex))
    levels = [ALL]
    if shape.by_level and grain.level is not None:
        levels.append(grain.level)
    for level in levels:
        for sex in sexes:
            yield CellId(p, STATE, level, sex)
    if shape.by_municipality and grain.municipality is not None:
        for sex in sexes:
            yield CellId(p, municipality_geo(grain.municipality), ALL, sex)


def roll_up(grains: Iterable[Grain], shape: Shape) -> dict[CellId, Tally]:
    cells: dict[CellId, Tally] = {}
    for grain in grains:
        for cell in cells_of(grain, shape):
            cells.setdefault(cell, Tally()).add(grain.tally)
    return cells


def with_parent_as_of(cells: Mapping[CellId, Tally]) -> None:
    """A cell that counted no dated fact (a stock cell of officers without history) takes the
    time of its total, so every published cell has a data-derived ``computed_at``."""
    for cell, tally in cells.items():
        if tally.as_of is None:
            parent = cells.get(CellId(cell.period, STATE))
            tally.as_of = parent.as_of if parent is not None else None
