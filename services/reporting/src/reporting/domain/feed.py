"""From a family's tallies to the figures the feed publishes: suppression first, then each
indicator's value. A withheld cell is published as withheld (no value, numerator or
denominator) for every indicator of its family; a cell whose value is undefined (a rate over
zero) is not published unless it is withheld, so absence never tells more than suppression."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from .catalogue import FAMILIES, Indicator, Kind, indicators_of
from .cells import STATE, CellId, Tally, cell_key, with_parent_as_of
from .periods import parse_period
from .suppression import constraints, suppress

MUNICIPALITIES = 125
"""The State of Mexico's municipalities (INEGI 15001-15125)."""
CONSTANTS = {"all_municipalities": float(MUNICIPALITIES)}
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class Figure(NamedTuple):
    """One published cell of one indicator (a tuple: a refresh builds tens of thousands)."""

    indicator: str
    cell: CellId
    methodology_version: str
    value: float | None
    numerator: int | None
    denominator: int | None
    suppressed: bool
    as_of: int
    """Microseconds since the epoch: the time of the latest fact the cell counts."""

    @property
    def key(self) -> str:
        return cell_key(
            self.indicator,
            self.cell.period,
            self.cell.geography,
            self.cell.level,
            self.cell.breakdown,
        )

    def content(self) -> tuple[object, ...]:
        """What, when it changes, makes a new revision."""
        return (
            self.methodology_version,
            self.value,
            self.numerator,
            self.denominator,
            self.suppressed,
            self.as_of,
        )


def figures(family: str, table: Mapping[CellId, Tally], k: int) -> list[Figure]:
    """Every figure of every indicator of ``family`` for the cells in ``table``."""
    spec = FAMILIES[family]
    with_parent_as_of(table)
    withheld: set[CellId] = set()
    if spec.suppressible:
        sums = constraints(table.keys(), spec.periods, spec.partition_dims)
        withheld = suppress({c: t.officers for c, t in table.items()}, sums, k)
    out: list[Figure] = []
    cells = sorted(table)
    for indicator in indicators_of(family):
        for cell in cells:
            if not indicator.publishes(cell.dimension, cell.geography == STATE):
                continue
            figure = _figure(indicator, cell, table[cell], cell in withheld)
            if figure is not None:
                out.append(figure)
    return out


def _figure(indicator: Indicator, cell: CellId, tally: Tally, withheld: bool) -> Figure | None:
    as_of = tally.as_of if tally.as_of is not None else _micros(parse_period(cell.period).start)
    if withheld:
        return Figure(
            indicator.code, cell, indicator.methodology_version, None, None, None, True, as_of
        )
    value, numerator, denominator = _value(indicator, tally)
    if value is None:
        return None
    return Figure(
        indicator.code,
        cell,
        indicator.methodology_version,
        value,
        numerator,
        denominator,
        False,
        as_of,
    )


def _measure(tally: Tally, name: str) -> float | None:
    if name == "officers":
        return float(tally.officers)
    return tally.measures.get(name, CONSTANTS.get(name))


def _value(indicator: Indicator, tally: Tally) -> tuple[float | None, int | None, int | None]:
    numerator = _measure(tally, indicator.numerator)
    denominator = _measure(tally, indicator.denominator) if indicator.denominator else None
    if indicator.kind is Kind.COUNT:
        n = int(numerator or 0)
        return float(n), n, None
    if indicator.kind is Kind.STATISTIC:
        if numerator is None:
            return None, None, None
        return round(numerator, indicator.digits), None, _int(denominator)
    if numerator is None or not denominator:
        return None, None, None
    value = round(numerator / denominator * indicator.factor, indicator.digits)
    return value, int(numerator), int(denominator)


def _int(x: float | None) -> int | None:
    return None if x is None else int(x)


def _micros(day: dt.date) -> int:
    moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


def as_datetime(micros: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=micros)


def micros_of(moment: dt.datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (moment - EPOCH) // dt.timedelta(microseconds=1)
