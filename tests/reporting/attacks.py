"""An outside analyst's attacks on the ONC feed (docs/disclosure.md's threat model), written
apart from the projection's code: they read only what was published (every record of
``reporting.indicators.v1`` from offset 0, in order) and public knowledge (the indicator
registry, the course catalogue, the method and its published ptable), and report every figure
they pin down that the threat model protects.

A *quantity* is one count of one cell: an indicator's numerator or denominator (a count's
value). What the attacker knows of it is an interval: exact for a figure published as it is,
``possible(p)`` for a figure perturbed to ``p`` by the cell-key method (the ptable is public),
``[0, inf)`` (suppression) or the values that can be perturbed to 1..k-1 (cell key) for a
withheld one. A cell the feed does not carry counts nobody: exactly 0.

Protected: any count from 0 to k-1 that the feed does not show as it is (a small count, or
"none of them" in a withheld cell), and any count below k that it does show (published counts
below k). An attack *recovers* one when it narrows it to its true value.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import lil_matrix

from reporting.domain.catalogue import FAMILIES, INDICATORS, Kind

INF = math.inf
SUMS = {
    "planned_theory_min",
    "planned_min",
    "delivered_theory_min",
    "delivered_min",
    "attended_min",
    "relevance_sum",
    "rating_sum",
    "municipalities",
    "all_municipalities",
    "median_days",
}
"""Magnitudes and derived figures: not counts of people or records."""
DISTINCT = {"trained", "officers"}
"""Counts of distinct officers: they add up over places and sexes, not over periods."""
ALIASES = {("instructors", "trained"): ("attendance", "trained")}
"""instructors.officers_per_instructor's numerator is training.officers_trained (state)."""
BY_CODE = {i.code: i for i in INDICATORS}

Q = tuple[str, str, str, str, str, str]
"""(family, measure, period, geography, level, breakdown)."""


@dataclass(frozen=True)
class Interval:
    lo: float
    hi: float

    @property
    def exact(self) -> bool:
        if self.hi == INF:
            return False
        return math.ceil(self.lo - 1e-6) == math.floor(self.hi + 1e-6)

    @property
    def point(self) -> int:
        return math.ceil(self.lo - 1e-6)

    def __and__(self, other: Interval) -> Interval:
        return Interval(max(self.lo, other.lo), min(self.hi, other.hi))


@dataclass
class Method:
    """What the attacker knows of the protection (it is published)."""

    k: int
    perturbed: bool

    def knows(self, published: float | None) -> Interval:
        if published is None:
            if not self.perturbed:
                return Interval(0, INF)
            shown = [self._possible(p) for p in range(1, self.k)]
            return Interval(min(r.lo for r in shown), max(r.hi for r in shown))
        if not self.perturbed:
            return Interval(published, published)
        return self._possible(round(published))

    def _possible(self, p: int) -> Interval:
        from reporting.domain.perturbation import possible

        r = possible(p)
        return Interval(r.start, r.stop - 1)


def method_of(records: Iterable[Mapping[str, Any]], k: int) -> Method:
    versions = {r["methodology_version"] for r in records}
    return Method(k, perturbed=any(not v.startswith("1.") for v in versions))


def quantities(record: Mapping[str, Any]) -> Iterator[tuple[Q, float | None]]:
    """The counts a record shows (``None``: withheld)."""
    indicator = BY_CODE[record["indicator"]]
    cell = (record["period"], record["geography"], record["level"], record["breakdown"])
    withheld = record["suppressed"]
    if indicator.kind is Kind.COUNT:
        shown = [(indicator.numerator, record["value"])]
    elif indicator.kind is Kind.RATIO:
        shown = [
            (indicator.numerator, record["numerator"]),
            (indicator.denominator or "", record["denominator"]),
        ]
    else:
        return
    for measure, value in shown:
        if measure in SUMS or not measure:
            continue
        family, measure = ALIASES.get((indicator.family, measure), (indicator.family, measure))
        yield (family, measure, *cell), (None if withheld else value)


@dataclass
class Feed:
    """The attacker's view of one moment of the feed."""

    method: Method
    known: dict[Q, Interval] = field(default_factory=dict)
    sources: dict[Q, list[Interval]] = field(default_factory=dict)
    withheld_somewhere: set[Q] = field(default_factory=set)

    @classmethod
    def of(cls, records: Iterable[Mapping[str, Any]], method: Method) -> Feed:
        feed = cls(method)
        for record in records:
            # A withheld rate says its perturbed numerator was 1..k-1 OR its perturbed
            # denominator below k: which, it does not say, so it bounds neither side alone.
            # (Reading it as both once "recovered" a count the feed never narrowed: the rate
            # was withheld for its denominator.)
            either = record["suppressed"] and BY_CODE[record["indicator"]].kind is Kind.RATIO
            for q, value in quantities(record):
                interval = Interval(0, INF) if either else method.knows(value)
                feed.sources.setdefault(q, []).append(interval)
                if value is None or method.perturbed:
                    feed.withheld_somewhere.add(q)
        for q, intervals in feed.sources.items():
            known = intervals[0]
            for other in intervals[1:]:
                known &= other
            feed.known[q] = known
        return feed

    def interval(self, q: Q) -> Interval:
        return self.known.get(q, Interval(0, 0))

    def shown_as_is(self, q: Q) -> bool:
        """Published exactly, by at least one indicator, without protection."""
        return q not in self.withheld_somewhere or (
            not self.method.perturbed and any(i.exact for i in self.sources.get(q, []))
        )


@dataclass(frozen=True)
class Relation:
    total: Q
    parts: tuple[Q, ...]
    kind: str


def relations(cells: Iterable[Q], courses: Mapping[str, str]) -> list[Relation]:
    """Every exact sum among the quantities: places, sexes, levels, breakdowns, courses within
    their training type (nested), and periods (additive flows, stocks as of the last day)."""
    present = set(cells)
    groups: dict[tuple[str, Q], set[Q]] = defaultdict(set)
    for q in present:
        family, measure, period, geo, level, brk = q
        base = (family, measure, period)
        if brk.startswith("sex:"):
            groups[("sex", (*base, geo, level, "all"))].add(q)
        if geo != "state:15" and level == "all":
            groups[("geography", (*base, "state:15", "all", brk))].add(q)
        if geo == "state:15" and level != "all":
            groups[("level", (*base, geo, "all", brk))].add(q)
        dimension = brk.split(":", 1)[0]
        if dimension not in ("all", "sex") and FAMILIES[family].partition_dims:
            groups[(dimension, (*base, geo, level, "all"))].add(q)
        if dimension == "course" and brk.split(":", 1)[1] in courses:
            kind = courses[brk.split(":", 1)[1]]
            groups[("nested", (*base, geo, level, f"training_type:{kind}"))].add(q)
        parent = _parent_period(family, measure, period)
        if parent is not None:
            groups[("period", (family, measure, parent, geo, level, brk))].add(q)
    out = [
        Relation(total, tuple(sorted(parts)), kind)
        for (kind, total), parts in groups.items()
        if total in present
    ]
    return sorted(out, key=lambda r: (r.kind, r.total))


def _parent_period(family: str, measure: str, period: str) -> str | None:
    relation = FAMILIES[family].periods.value
    if relation == "none" or len(period) == 4:
        return None
    if relation == "additive" and measure in DISTINCT:
        return None
    if "-Q" in period:
        return None if relation == "as_of" and not period.endswith("Q4") else period[:4]
    year, month = period.split("-")
    if relation == "as_of" and int(month) % 3:
        return None
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


@dataclass
class Attacks:
    """What each attack recovered: protected quantity -> the value it pinned down."""

    method: Method
    recovered: dict[str, dict[Q, int]] = field(default_factory=dict)
    relations_used: int = 0
    relations_refused: int = 0
    lp_audited: int = 0

    def summary(self) -> dict[str, int]:
        return {attack: len(found) for attack, found in self.recovered.items()}


def protected(q: Q, feed: Feed, truth: Mapping[Q, int]) -> bool:
    value = truth.get(q)
    return value is not None and 0 <= value < feed.method.k and not feed.shown_as_is(q)


def run(
    history: list[tuple[int, str, dict[str, Any] | None]],
    truth: Mapping[Q, int],
    courses: Mapping[str, str],
    k: int,
    lp_every: int = 1,
) -> Attacks:
    """Every attack on a feed's history: (batch, key, record or tombstone), in order. The LP
    audit solves every ``lp_every``-th protected count (1: all of them)."""
    latest: dict[str, dict[str, Any]] = {}
    for _, key, body in history:
        if body is None:
            latest.pop(key, None)
        else:
            latest[key] = body
    method = method_of(latest.values(), k)
    feed = Feed.of(latest.values(), method)
    attacks = Attacks(method)
    sums = [r for r in relations(feed.known, courses) if _holds(r, truth)]
    attacks.relations_used = len(sums)
    attacks.relations_refused = len(relations(feed.known, courses)) - len(sums)
    attacks.recovered["residual"] = _residual(feed, sums, truth)
    attacks.recovered["zero residual"] = {
        q: v for q, v in attacks.recovered["residual"].items() if v == 0
    }
    nested = [r for r in sums if r.kind == "nested"]
    attacks.recovered["nested residual"] = _residual(feed, nested, truth)
    attacks.recovered["lp audit"], attacks.lp_audited = _lp_audit(feed, sums, truth, lp_every)
    attacks.recovered["revisions"] = _revisions(history, method, courses, truth, latest)
    attacks.recovered["two indicators"] = {
        q: feed.known[q].point
        for q in feed.withheld_somewhere
        if len(feed.sources[q]) > 1
        and any(not i.exact for i in feed.sources[q])
        and feed.known[q].exact
        and truth.get(q) == feed.known[q].point
    }
    attacks.recovered["counts below k"] = {
        q: truth[q]
        for q, intervals in feed.sources.items()
        if q in truth
        and 0 < truth[q] < k
        and any(i.exact and i.point == truth[q] for i in intervals)
    }
    return attacks


def _holds(relation: Relation, truth: Mapping[Q, int]) -> bool:
    if relation.total not in truth:
        return False
    return truth[relation.total] == sum(truth.get(p, 0) for p in relation.parts)


def _residual(feed: Feed, sums: list[Relation], truth: Mapping[Q, int]) -> dict[Q, int]:
    """Each sum alone: a member is at most what the others leave (total minus the parts)."""
    found: dict[Q, int] = {}
    for r in sums:
        members = [(r.total, 1), *((p, -1) for p in r.parts)]
        for q, sign in members:
            if not protected(q, feed, truth):
                continue
            lo = hi = 0.0
            for other, s in members:
                if other == q:
                    continue
                i = feed.interval(other)
                # q * sign = -sum(s * other)
                lo += -s * (i.hi if s > 0 else i.lo)
                hi += -s * (i.lo if s > 0 else i.hi)
            derived = Interval(lo, hi) if sign > 0 else Interval(-hi, -lo)
            narrowed = derived & feed.interval(q)
            if narrowed.exact and narrowed.point == truth[q]:
                found[q] = truth[q]
    return found


def _lp_audit(
    feed: Feed, sums: list[Relation], truth: Mapping[Q, int], every: int = 1
) -> tuple[dict[Q, int], int]:
    """tau-Argus's audit: each protected quantity's feasible interval under every published
    figure and every sum at once (HiGHS through scipy)."""
    by_table: dict[tuple[str, str], list[Relation]] = defaultdict(list)
    for r in sums:
        by_table[(r.total[0], r.total[1])].append(r)
    found: dict[Q, int] = {}
    audited = 0
    for rs in by_table.values():
        variables = sorted({q for r in rs for q in (r.total, *r.parts)})
        targets = [q for q in variables if protected(q, feed, truth)][::every]
        if not targets:
            continue
        column = {q: i for i, q in enumerate(variables)}
        a = lil_matrix((len(rs), len(variables)))
        for row, r in enumerate(rs):
            a[row, column[r.total]] = 1
            for p in r.parts:
                a[row, column[p]] = -1
        a_eq = a.tocsr()
        b = np.zeros(len(rs))
        bounds = [
            (feed.interval(q).lo, None if feed.interval(q).hi == INF else feed.interval(q).hi)
            for q in variables
        ]
        for q in targets:
            audited += 1
            c = np.zeros(len(variables))
            c[column[q]] = 1
            low = linprog(c, A_eq=a_eq, b_eq=b, bounds=bounds, method="highs")
            high = linprog(-c, A_eq=a_eq, b_eq=b, bounds=bounds, method="highs")
            if low.status != 0 or high.status != 0:
                continue
            interval = Interval(low.fun, -high.fun)
            if interval.exact and interval.point == truth[q]:
                found[q] = truth[q]
    return found, audited


def _revisions(
    history: list[tuple[int, str, dict[str, Any] | None]],
    method: Method,
    courses: Mapping[str, str],
    truth: Mapping[Q, int],
    final: Mapping[str, dict[str, Any]],
) -> dict[Q, int]:
    """Consecutive revisions: between two moments, a sum whose total changed while exactly one
    of its parts did gives that part's change; added to what was known of the part before, it
    may pin it down (checked against the truth where that revision is the part's last)."""
    moments: list[dict[str, dict[str, Any]]] = []
    state: dict[str, dict[str, Any]] = {}
    last_batch = None
    for batch, key, body in history:
        if last_batch is not None and batch != last_batch:
            moments.append(dict(state))
        last_batch = batch
        if body is None:
            state.pop(key, None)
        else:
            state[key] = body
    moments.append(dict(state))
    final_q = {q: v for r in final.values() for q, v in quantities(r)}
    found: dict[Q, int] = {}
    before = Feed.of(moments[0].values(), method)
    before_records = _by_quantity(moments[0])
    for moment in moments[1:]:
        now = Feed.of(moment.values(), method)
        now_records = _by_quantity(moment)
        changed = {
            q
            for q in set(now_records) | set(before_records)
            if now_records.get(q) != before_records.get(q)
        }
        for r in relations(set(now.known) | set(before.known), courses):
            if r.total not in changed or r.total not in now.known:
                continue
            moved = [p for p in r.parts if p in changed]
            if len(moved) != 1:
                continue
            part = moved[0]
            was = before.interval(part)
            delta_lo = now.interval(r.total).lo - before.interval(r.total).hi
            delta_hi = now.interval(r.total).hi - before.interval(r.total).lo
            pinned = Interval(was.lo + delta_lo, was.hi + delta_hi) & now.interval(part)
            if not pinned.exact or pinned.point < 0:
                continue
            settled = final_q.get(part, "absent") == _shown(now_records.get(part))
            if settled and protected(part, now, truth) and truth.get(part) == pinned.point:
                found[part] = pinned.point
        before, before_records = now, now_records
    return found


def _by_quantity(moment: Mapping[str, dict[str, Any]]) -> dict[Q, tuple[Any, ...]]:
    out: dict[Q, tuple[Any, ...]] = {}
    for record in moment.values():
        for q, value in quantities(record):
            out[q] = (value, record.get("computed_at"), record["suppressed"])
    return out


def _shown(record: tuple[Any, ...] | None) -> Any:
    return "absent" if record is None else record[0]


def truth_of(figures: Mapping[str, Mapping[str, Any]]) -> dict[Q, int]:
    """The true counts, keyed as the attacker keys what it reads (tests only)."""
    out: dict[Q, int] = {}
    for key, figure in figures.items():
        record = {**figure, **_cell(key), "suppressed": False}
        for q, value in quantities(record):
            if value is not None:
                out[q] = int(value)
    return out


def _cell(key: str) -> dict[str, str]:
    """period, geography, level and breakdown from a cell key."""
    parts = key.split(":")
    indicator, period, geography = parts[0], parts[1], f"{parts[2]}:{parts[3]}"
    rest = parts[4:]
    level = "all"
    if rest[:1] == ["level"]:
        level, rest = rest[1], rest[2:]
    breakdown = ":".join(rest) if rest else "all"
    return {
        "indicator": indicator,
        "period": period,
        "geography": geography,
        "level": level,
        "breakdown": breakdown,
    }


def period_end(period: str) -> dt.date:
    """The last day of a period label: ``2026``, ``2026-Q3`` or ``2026-09``."""
    if len(period) == 4:
        return dt.date(int(period), 12, 31)
    year, part = period.split("-")
    month = int(part[1:]) * 3 if part.startswith("Q") else int(part)
    following = dt.date(int(year) + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def transfer(
    before: Mapping[str, dict[str, Any]],
    after: Iterable[tuple[str, dict[str, Any] | None]],
    municipalities: Iterable[int],
    effective_on: dt.date,
) -> dict[Q, float | None]:
    """A transfer: the attacker knows an officer who moved between two municipalities on a
    known day, and reads what the feed republished after it. Any past cell of either
    municipality (a period that ended before the day) republished then differs from its
    previous revision by that officer's history there: each count of it is reported with the
    change seen (None where it is withheld on either side, or the cell was withdrawn)."""
    places = {f"municipality:{m}" for m in municipalities}
    found: dict[Q, float | None] = {}
    for key, body in after:
        cell = _cell(key)
        if cell["geography"] not in places or period_end(cell["period"]) >= effective_on:
            continue
        old = dict(quantities(before[key])) if key in before else {}
        new = dict(quantities(body)) if body is not None else {}
        for q in set(old) | set(new):
            was, now = old.get(q), new.get(q)
            found[q] = None if was is None or now is None else now - was
    return found
