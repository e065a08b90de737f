"""From a family's tallies to the figures the feed publishes. Every count is perturbed by the
cell-key method (``perturbation``, ADR 0070) from its own contributors; rates are computed from
the perturbed numerator and denominator; a figure whose perturbed count is 1 to k-1 (or a rate
whose perturbed denominator is below k) is published as withheld, with no figure. Every decision
reads perturbed values only, so neither withholding nor absence tells more than the figures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import NamedTuple

from .catalogue import FAMILIES, Indicator, Kind, indicators_of
from .cells import ALL, STATE, CellId, Tally, cell_key, with_parent_as_of
from .periods import parse_period
from .perturbation import perturb

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


SUMS = {
    "planned_theory_min": "ended",
    "planned_min": "ended",
    "delivered_theory_min": "ended",
    "delivered_min": "ended",
    "attended_min": "attended",
    "relevance_sum": "responses",
    "rating_sum": "responses",
}
"""Magnitudes, and the count of the records they sum. A sum is published as its records' mean
times their published (perturbed) count: the sum moves with its count, so a total of minutes
never tells the exact number of records behind it, and two sums over the same records keep
their exact ratio (a share of hours). Minimum count: that of the records (ADR 0070)."""
UNPROTECTED = "-unprotected"
"""Appended to the methodology version of true figures (``protect=False``), so that a feed
computed for tests can never be cited as protected."""
DERIVED = frozenset({"municipalities", *CONSTANTS})
"""Measures computed from published figures or constants: not perturbed again."""


class Published(NamedTuple):
    """A measure as the feed shows it: its value and the perturbed count of its records (the
    minimum publishable count applies to the latter)."""

    value: float
    records: float


def figures(
    family: str, table: Mapping[CellId, Tally], k: int, protect: bool = True
) -> list[Figure]:
    """Every figure of every indicator of ``family`` for the cells in ``table``. Protected
    families are perturbed by the cell-key method (``domain.perturbation``): no published
    count is 1 or 2, none is below ``k`` but 0, and a cell carries no time finer than its
    period. ``protect=False`` publishes the true figures (tests of the arithmetic only)."""
    protected = protect and FAMILIES[family].protected
    if protected:
        shown = {cell: _perturbed(tally) for cell, tally in table.items()}
    else:
        with_parent_as_of(table)
        shown = {cell: _true(tally) for cell, tally in table.items()}
    if family == "cascade":
        _count_municipalities(shown)
    out: list[Figure] = []
    cells = sorted(table)
    for indicator in indicators_of(family):
        for cell in cells:
            if not indicator.publishes(cell.dimension, cell.geography == STATE):
                continue
            figure = _figure(indicator, cell, table[cell], shown[cell], k, protected)
            if figure is not None:
                out.append(figure)
    return out


def _true(tally: Tally) -> dict[str, Published]:
    out = {name: Published(v, v) for name, v in tally.measures.items()}
    out["officers"] = Published(float(tally.officers), float(tally.officers))
    return out


def _perturbed(tally: Tally) -> dict[str, Published]:
    measures = dict(tally.measures)
    measures["officers"] = float(tally.officers)
    out: dict[str, Published] = {}
    for name, value in measures.items():
        if name in DERIVED:
            out[name] = Published(value, value)
            continue
        if name in SUMS:
            records = SUMS[name]
            n = int(measures.get(records, 0))
            count = perturb(n, tally.keys.get(records, 0))
            out[name] = Published(value / n * count if n else 0.0, float(count))
        else:
            shown = float(perturb(int(value), tally.keys.get(name, 0)))
            out[name] = Published(shown, shown)
    return out


def _count_municipalities(published: Mapping[CellId, dict[str, Published]]) -> None:
    """The cascade's coverage, from the published municipal counts: municipalities whose
    (perturbed) count of officers trained is not 0, published or withheld. It reads nothing
    the feed does not show."""
    covered: dict[str, int] = {}
    for cell, shown in published.items():
        trained = shown.get("trained")
        if cell.geography != STATE and cell.breakdown == ALL and trained and trained.value > 0:
            covered[cell.period] = covered.get(cell.period, 0) + 1
    for cell, shown in published.items():
        if cell.geography == STATE and cell.breakdown == ALL and cell.level == ALL:
            n = float(covered.get(cell.period, 0))
            shown["municipalities"] = Published(n, n)


def _figure(
    indicator: Indicator,
    cell: CellId,
    tally: Tally,
    shown: Mapping[str, Published],
    k: int,
    protected: bool,
) -> Figure | None:
    period_start = _micros(parse_period(cell.period).start)
    fine = tally.as_of if tally.as_of is not None else period_start
    as_of = period_start if protected else fine
    version = indicator.methodology_version
    if not protected and FAMILIES[indicator.family].protected:
        version += UNPROTECTED
    withheld = Figure(indicator.code, cell, version, None, None, None, True, as_of)
    numerator = _shown(shown, indicator.numerator)
    denominator = _shown(shown, indicator.denominator) if indicator.denominator else None
    if protected:
        counted = numerator is not None and indicator.numerator not in DERIVED
        if counted and numerator is not None and _small(numerator.records, k):
            return withheld
        ratio = indicator.kind is Kind.RATIO and indicator.denominator not in DERIVED
        if ratio and (denominator is None or denominator.records < k):
            return withheld
    value, num, den = _value(indicator, numerator, denominator)
    if value is None:
        return None
    return Figure(indicator.code, cell, version, value, num, den, False, as_of)


def _small(records: float, k: int) -> bool:
    return 0 < records < k


def _shown(shown: Mapping[str, Published], name: str) -> Published | None:
    if name in shown:
        return shown[name]
    if name in CONSTANTS:
        return Published(CONSTANTS[name], CONSTANTS[name])
    return None


def _value(
    indicator: Indicator, numerator: Published | None, denominator: Published | None
) -> tuple[float | None, int | None, int | None]:
    n = numerator.value if numerator is not None else None
    d = denominator.value if denominator is not None else None
    if indicator.kind is Kind.COUNT:
        count = int(n or 0)
        return float(count), count, None
    if indicator.kind is Kind.STATISTIC:
        if n is None:
            return None, None, None
        return round(n, indicator.digits), None, _int(d)
    if n is None or not d:
        return None, None, None
    value = round(n / d * indicator.factor, indicator.digits)
    return value, round(n), round(d)


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
