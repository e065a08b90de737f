"""Stocks measured on the last day of a period (CUP coverage, eligibility, the expiry pipeline,
certified instructors) and the flows that need an officer's whole history (renewals before
expiry). Pure functions over plain records; the adapters fetch them in bulk.
"""

from __future__ import annotations

import datetime as dt
import statistics
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from .cells import ALL, STATE, CellId, Grain, Tally, breakdown
from .periods import Period, periods_of
from .perturbation import salted

APPROVED = "aprobatoria_vigente"
COMPONENTS = ("FI", "C3", "CB", "ED")


ACTIVE = "activo"


@dataclass(frozen=True)
class Assignment:
    """Where and how an officer served from ``valid_from`` until the next assignment."""

    valid_from: dt.date
    municipality: int
    level: str
    status: str = ACTIVE


@dataclass(frozen=True)
class Officer:
    """One officer, with their assignments oldest first (ADR 0095)."""

    officer_id: str
    sex: str
    record_key: int = 0
    assignments: tuple[Assignment, ...] = ()

    def on(self, day: dt.date) -> Assignment | None:
        """The assignment in force on ``day``; None before the officer joined the roster."""
        seen = bisect_right([a.valid_from for a in self.assignments], day)
        return self.assignments[seen - 1] if seen else None

    def counted_on(self, day: dt.date) -> Assignment | None:
        """The assignment a stock counts the officer under on ``day``: registered by then and
        active on it (an officer on baja or suspended is not in the population)."""
        assignment = self.on(day)
        return assignment if assignment is not None and assignment.status == ACTIVE else None


@dataclass(frozen=True, order=True)
class Status:
    """One reported status of one CUP component. Ordered as it happened."""

    changed_on: dt.date
    as_of: int
    event_id: str
    status: str = field(compare=False)
    valid_until: dt.date | None = field(compare=False)

    def in_force_on(self, day: dt.date) -> bool:
        return self.status == APPROVED and (self.valid_until is None or self.valid_until >= day)


@dataclass(frozen=True, order=True)
class Eligibility:
    changed_on: dt.date
    as_of: int
    event_id: str
    eligible: bool = field(compare=False)
    earliest_expiry: dt.date | None = field(compare=False)

    def on(self, day: dt.date) -> bool:
        return self.eligible and (self.earliest_expiry is None or self.earliest_expiry >= day)


@dataclass
class History:
    """One officer's CUP history, each list sorted by ``Status`` order."""

    components: dict[str, list[Status]] = field(default_factory=dict)
    eligibility: list[Eligibility] = field(default_factory=list)


def latest_on(days: Sequence[dt.date], day: dt.date) -> int:
    """How many records, of those reported on ``days`` (sorted), were reported on or before
    ``day``: the last of them is the one in effect."""
    return bisect_right(days, day)


@dataclass(frozen=True)
class _Timeline:
    measure: str
    days: list[dt.date]
    records: Sequence[Status] | Sequence[Eligibility]


def cup_grains(
    officers: Iterable[Officer],
    histories: Mapping[str, History],
    periods: Sequence[Period],
    window_days: int,
) -> list[Grain]:
    """Coverage, eligibility and the expiry pipeline, per period, of the officers registered
    and active on its last day, under the assignment in force that day (ADR 0095)."""
    days = sorted({p.last_day for p in periods})
    by_day: dict[dt.date, dict[tuple[int, str, str], Tally]] = {d: {} for d in days}
    empty = History()
    for officer in officers:
        timelines = _timelines(histories.get(officer.officer_id, empty))
        for day in days:
            assignment = officer.counted_on(day)
            if assignment is None:
                continue
            group = (assignment.municipality, assignment.level, officer.sex)
            tally = by_day[day].setdefault(group, Tally())
            tally.add(_officer_on(timelines, day, window_days, officer.record_key))
    return [
        Grain(p.label, tally, municipality, level, sex)
        for p in periods
        for (municipality, level, sex), tally in by_day[p.last_day].items()
    ]


def _timelines(history: History) -> list[_Timeline]:
    out = [
        _Timeline(component.lower(), [r.changed_on for r in records], records)
        for component, records in history.components.items()
    ]
    if history.eligibility:
        days = [e.changed_on for e in history.eligibility]
        out.append(_Timeline("eligible", days, history.eligibility))
    return out


def _officer_on(
    timelines: Sequence[_Timeline], day: dt.date, window_days: int, record_key: int = 0
) -> Tally:
    measures = dict.fromkeys(("fi", "c3", "cb", "ed", "eligible", "expiring"), 0.0)
    as_of: int | None = None
    soon = day + dt.timedelta(days=window_days)
    for line in timelines:
        seen = latest_on(line.days, day)
        if not seen:
            continue
        as_of = max(as_of or 0, max(r.as_of for r in line.records[:seen]))
        current = line.records[seen - 1]
        if isinstance(current, Eligibility):
            measures["eligible"] = float(current.on(day))
        elif current.in_force_on(day):
            measures[line.measure] = 1.0
            if current.valid_until is not None and current.valid_until <= soon:
                measures["expiring"] = 1.0
    keys = {m: salted(record_key, m) for m, v in measures.items() if v}
    keys["officers"] = salted(record_key, "officers")
    return Tally(1, measures, as_of, keys)


def renewal_grains(
    officers: Mapping[str, Officer], histories: Mapping[str, History], horizon: dt.date
) -> list[Grain]:
    """Each approved validity that ended by ``horizon``, and whether a newer approval was
    reported on or before the day it ended, under the officer's assignment on that day (not
    counted if it ended before the officer was registered)."""
    groups: dict[tuple[str, int, str, str], tuple[Tally, set[str]]] = {}
    by_component: dict[tuple[str, str], tuple[Tally, set[str]]] = {}
    for officer_id, history in histories.items():
        officer = officers.get(officer_id)
        if officer is None:
            continue
        for component, records in history.components.items():
            for ends, renewed, as_of in _validities(records, horizon):
                assignment = officer.on(ends)
                if assignment is None:
                    continue
                for period in periods_of(ends):
                    key = (period.label, assignment.municipality, assignment.level, officer.sex)
                    due = (officer_id, officer.record_key, renewed, as_of)
                    _count_due(groups, key, *due)
                    _count_due(by_component, (period.label, component), *due)
    grains = [
        Grain(label, Tally(len(who), t.measures, t.as_of, t.keys), municipality, level, sex)
        for (label, municipality, level, sex), (t, who) in groups.items()
    ]
    grains += [
        Grain(
            label,
            Tally(len(who), t.measures, t.as_of, t.keys),
            dimension=("component", component),
        )
        for (label, component), (t, who) in by_component.items()
    ]
    return grains


K = TypeVar("K", bound=tuple[object, ...])


def _count_due(
    groups: dict[K, tuple[Tally, set[str]]],
    key: K,
    officer_id: str,
    record_key: int,
    renewed: bool,
    as_of: int,
) -> None:
    tally, who = groups.setdefault(key, (Tally(), set()))
    keys = {"due": salted(record_key, "due")}
    if renewed:
        keys["renewed"] = salted(record_key, "renewed")
    tally.add(Tally(0, {"due": 1.0, "renewed": float(renewed)}, as_of, keys))
    who.add(officer_id)


def _validities(records: Sequence[Status], horizon: dt.date) -> Iterable[tuple[dt.date, bool, int]]:
    ends_seen: set[dt.date] = set()
    approved = [r for r in records if r.status == APPROVED and r.valid_until is not None]
    for r in approved:
        ends = r.valid_until
        assert ends is not None
        if ends > horizon or ends in ends_seen:
            continue
        ends_seen.add(ends)
        renewals = [
            n
            for n in approved
            if r < n and n.changed_on <= ends and n.valid_until is not None and n.valid_until > ends
        ]
        as_of = max([r.as_of, *(n.as_of for n in renewals)])
        yield ends, bool(renewals), as_of


@dataclass(frozen=True)
class Certification:
    instructor_id: str
    valid_from: dt.date
    valid_until: dt.date
    competencies: tuple[str, ...]
    as_of: int
    record_key: int = 0


def instructor_cells(
    certifications: Sequence[Certification],
    trained: Mapping[str, tuple[int, int | None, int]],
    periods: Sequence[Period],
) -> dict[CellId, Tally]:
    """Instructors certified on each period's last day (the cell counts them), and officers
    trained per instructor. ``trained`` maps a period label to (officers trained, time of the
    latest record, key sum of training.officers_trained): the same figure with the same
    noise. An instructor counts with the record key of their first certification in force."""
    cells: dict[CellId, Tally] = {}
    for period in periods:
        day = period.last_day
        valid = [c for c in certifications if c.valid_from <= day <= c.valid_until]
        if not valid:
            continue
        officers, trained_as_of, trained_keys = trained.get(period.label, (0, None, 0))
        as_of = max([c.as_of for c in valid] + ([trained_as_of] if trained_as_of else []))
        first: dict[str, Certification] = {}
        for c in sorted(valid, key=lambda c: (c.valid_from, c.as_of, c.record_key)):
            first.setdefault(c.instructor_id, c)
        keys = {"instructors": sum(salted(c.record_key, "instructors") for c in first.values())}
        cells[CellId(period.label, STATE)] = Tally(
            len(first),
            {"instructors": float(len(first)), "trained": float(officers)},
            as_of,
            keys | {"trained": trained_keys},
        )
        by_competency: dict[str, set[str]] = defaultdict(set)
        for c in valid:
            for competency in c.competencies:
                by_competency[competency].add(c.instructor_id)
        for competency, who in by_competency.items():
            key = sum(salted(first[i].record_key, "instructors") for i in who)
            cells[CellId(period.label, STATE, ALL, breakdown("competency", competency))] = Tally(
                len(who), {"instructors": float(len(who))}, as_of, {"instructors": key}
            )
    return cells


@dataclass(frozen=True)
class FindingDates:
    category: str
    recorded_on: dt.date
    closed_on: dt.date | None
    as_of: int

    def days_open(self) -> int:
        assert self.closed_on is not None
        return (self.closed_on - self.recorded_on).days


def findings_cells(findings: Iterable[FindingDates], y: int) -> dict[CellId, Tally]:
    """Findings opened and closed in each period of year ``y``, and the median days to close."""
    opened: dict[CellId, list[FindingDates]] = defaultdict(list)
    closed: dict[CellId, list[FindingDates]] = defaultdict(list)
    for f in findings:
        for bucket, day in ((opened, f.recorded_on), (closed, f.closed_on)):
            if day is None or day.year != y:
                continue
            for period in periods_of(day):
                for brk in (ALL, breakdown("category", f.category)):
                    bucket[CellId(period.label, STATE, ALL, brk)].append(f)
    cells: dict[CellId, Tally] = {}
    for cell in set(opened) | set(closed):
        were_closed = closed.get(cell, [])
        measures = {"opened": float(len(opened.get(cell, []))), "closed": float(len(were_closed))}
        if were_closed:
            measures["median_days"] = float(statistics.median(f.days_open() for f in were_closed))
        everyone = opened.get(cell, []) + were_closed
        cells[cell] = Tally(0, measures, max(f.as_of for f in everyone))
    return cells
