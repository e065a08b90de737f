"""Bulk fact writing. Handlers only buffer rows on the session; once per batch ``flush`` writes
them with one set-based statement per table (INSERT .. ON CONFLICT), applies voids, and says
which (family, year) tables of the feed the batch touched. No per-event query, so a replay of
history runs at bulk-insert speed.

Facts are immutable: a re-delivered fact inserts nothing (ON CONFLICT DO NOTHING), and a
correction arrives as a void plus a new fact. Dimensions (officers, courses, offerings) are
replaced by their latest version.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, SQLModel

from convenio_chassis.tracing import current_trace_headers

from .tables import (
    EARLIEST,
    LATEST,
    AttendanceFact,
    CompetencyFact,
    CourseDim,
    CupStatusFact,
    EligibilityFact,
    EnrolmentFact,
    ExpiryAlertFact,
    FeedbackFact,
    InstructorCertification,
    OfferingDim,
    OfferingInstructor,
    OfficerAssignment,
    OfficerDim,
    OutcomeFact,
    PerformanceFact,
    ProjectionState,
)

BUFFER_KEY = "reporting.fact_buffer"
OFFICER_FLOWS: tuple[type[SQLModel], ...] = (
    EnrolmentFact,
    OutcomeFact,
    AttendanceFact,
    CompetencyFact,
    PerformanceFact,
    ExpiryAlertFact,
)
FAMILIES_OF: dict[type[SQLModel], tuple[str, ...]] = {
    EnrolmentFact: ("enrolment",),
    OutcomeFact: ("outcome", "cascade"),
    AttendanceFact: ("attendance", "instructors"),
    CompetencyFact: ("competency",),
    PerformanceFact: ("performance",),
    ExpiryAlertFact: ("alerts",),
    FeedbackFact: ("feedback",),
}
"""The feed families a dated fact table feeds."""
HISTORY_FAMILIES: dict[type[SQLModel], tuple[str, ...]] = {
    CupStatusFact: ("cup", "renewal"),
    EligibilityFact: ("cup",),
    InstructorCertification: ("instructors", "cascade"),
    OfferingDim: ("cascade", "feedback"),
    OfferingInstructor: ("cascade",),
    CourseDim: ("outcome",),
}
"""Tables whose rows change figures in every year (stocks, and dimensions facts join)."""
OFFICER_FAMILIES = ("cup", "renewal")
STOCK_FAMILIES = ("cup", "renewal", "instructors")
VOIDABLE: dict[str, type[SQLModel]] = {
    "mx.convenio.enrolment.attendance.recorded.v1": AttendanceFact,
    "mx.convenio.enrolment.enrolment.created.v1": EnrolmentFact,
    "mx.convenio.enrolment.enrolment.withdrawn.v1": OutcomeFact,
    "mx.convenio.enrolment.enrolment.completed.v1": OutcomeFact,
    "mx.convenio.enrolment.enrolment.failed.v1": OutcomeFact,
}
OFFICER_ATTRIBUTES = ("municipality", "level", "sex", "status")

Dirty = dict[tuple[str, int], dict[str, str]]
Since = dict[str, dt.date | None]
"""Officer -> the first day their counting changed from (None: every period)."""
"""(family, year) -> the trace context of one event that touched it."""


@dataclass
class FactBuffer:
    """What the handlers of one batch want written, in arrival order per key."""

    facts: dict[type[SQLModel], dict[tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    dimensions: dict[type[SQLModel], dict[tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    partial: dict[type[SQLModel], dict[tuple[Any, ...], dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    voids: list[tuple[type[SQLModel], str, int]] = field(default_factory=list)
    traces: dict[type[SQLModel], dict[str, str]] = field(default_factory=dict)
    days: list[dt.date] = field(default_factory=list)
    extra_dirty: Dirty = field(default_factory=dict)

    @classmethod
    def of(cls, session: Session) -> FactBuffer:
        buffer: FactBuffer | None = session.info.get(BUFFER_KEY)
        if buffer is None:  # not setdefault: building a spare buffer per fact was a hot spot
            buffer = session.info[BUFFER_KEY] = cls()
        return buffer

    def fact(self, table: type[SQLModel], row: dict[str, Any]) -> None:
        """An immutable fact: the first of the same key wins, as in the database."""
        self.facts[table].setdefault(_key(table, row), row)
        self._trace(table)

    def dimension(self, table: type[SQLModel], row: dict[str, Any]) -> None:
        """A whole new version of a dimension row: the latest wins."""
        key = _key(table, row)
        self.partial[table].pop(key, None)
        self.dimensions[table][key] = row
        self._trace(table)

    def amend(self, table: type[SQLModel], row: dict[str, Any]) -> None:
        """Some columns of an existing dimension row (nothing happens if there is none)."""
        key = _key(table, row)
        if key in self.dimensions[table]:
            self.dimensions[table][key].update(row)
        else:
            self.partial[table].setdefault(key, {}).update(row)
        self._trace(table)

    def _trace(self, table: type[SQLModel]) -> None:
        """The trace context of the first event per table (the refresh span continues it),
        taken from the handler's current span only then: injecting it per fact was costly."""
        if table not in self.traces:
            self.traces[table] = current_trace_headers()

    def void(self, event_type: str, event_id: str, as_of: int) -> None:
        table = VOIDABLE.get(event_type)
        if table is not None:
            self.voids.append((table, event_id, as_of))

    def saw(self, day: dt.date) -> None:
        """A date the data reports activity on; it moves the horizon."""
        self.days.append(day)

    def touch(self, family: str, year: int, trace: dict[str, str]) -> None:
        self.extra_dirty.setdefault((family, year), trace)


def _key(table: type[SQLModel], row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[c] for c in _pk(table))


def take(session: Session) -> FactBuffer:
    buffer: FactBuffer = session.info.pop(BUFFER_KEY, None) or FactBuffer()
    return buffer


def dialect_insert(session: Session, table: type[SQLModel]) -> Any:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(table.__table__)  # type: ignore[attr-defined]


@functools.cache
def _pk(table: type[SQLModel]) -> tuple[str, ...]:
    return tuple(c.name for c in table.__table__.primary_key)  # type: ignore[attr-defined]


def _same_shape(table: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    """An executemany takes its columns from the first row: a differently shaped row would
    silently lose values."""
    shape = rows[0].keys()
    if any(r.keys() != shape for r in rows):
        raise ValueError(f"rows for {table.__name__} do not all have the same columns")


def insert_new(session: Session, table: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        _same_shape(table, rows)
        stmt = dialect_insert(session, table).on_conflict_do_nothing(index_elements=_pk(table))
        session.execute(stmt, list(rows))


def upsert(session: Session, table: type[SQLModel], rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    _same_shape(table, rows)
    stmt = dialect_insert(session, table)
    columns = [c for c in rows[0] if c not in _pk(table)]
    if columns:
        stmt = stmt.on_conflict_do_update(
            index_elements=_pk(table), set_={c: stmt.excluded[c] for c in columns}
        )
    else:
        stmt = stmt.on_conflict_do_nothing(index_elements=_pk(table))
    session.execute(stmt, list(rows))


def amend(session: Session, table: type[SQLModel], rows: Iterable[dict[str, Any]]) -> None:
    """UPDATE each row's given columns, grouped so each shape is one executemany."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    pk = _pk(table)
    for row in rows:
        shapes[tuple(sorted(c for c in row if c not in pk))].append(row)
    t = table.__table__  # type: ignore[attr-defined]
    for columns, group in shapes.items():
        stmt = (
            update(t)
            .where(*(t.c[c] == bindparam(f"k_{c}") for c in pk))
            .values({c: bindparam(f"v_{c}") for c in columns})
        )
        params = [
            {**{f"k_{c}": r[c] for c in pk}, **{f"v_{c}": r[c] for c in columns}} for r in group
        ]
        session.connection().execute(stmt, params)


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


@dataclass(frozen=True)
class Span:
    """The dates the data covers: first activity and the latest (the horizon)."""

    first: dt.date | None
    horizon: dt.date | None

    def years(self) -> range:
        if self.first is None or self.horizon is None:
            return range(0)
        return range(self.first.year, self.horizon.year + 1)


def read_span(session: Session) -> Span:
    t = ProjectionState.__table__  # type: ignore[attr-defined]
    rows: dict[str, str] = {r[0]: r[1] for r in session.execute(select(t.c.name, t.c.value))}
    return Span(
        *(dt.date.fromisoformat(rows[n]) if n in rows else None for n in ("first", "horizon"))
    )


def write_span(session: Session, span: Span) -> None:
    values = {"first": span.first, "horizon": span.horizon}
    upsert(
        session,
        ProjectionState,
        [{"name": n, "value": v.isoformat()} for n, v in values.items() if v is not None],
    )


def flush(session: Session, buffer: FactBuffer, track: bool = True) -> tuple[Dirty, Span, Span]:
    """Write the buffer; return the tables it touched and the data span before and after."""
    dirty: Dirty = dict(buffer.extra_dirty)
    before = read_span(session)
    after = before
    if buffer.days:
        low, high = min(buffer.days), max(buffer.days)
        after = Span(
            low if before.first is None else min(before.first, low),
            high if before.horizon is None else max(before.horizon, high),
        )
        if after != before:
            write_span(session, after)
    changed_officers = _write_officers(session, buffer)
    for table, rows in buffer.dimensions.items():
        if table not in (OfficerDim, OfficerAssignment):
            upsert(session, table, list(rows.values()))
    for table, partial_rows in buffer.partial.items():
        if table is not OfficerDim:
            amend(
                session,
                table,
                [{**dict(zip(_pk(table), k, strict=True)), **v} for k, v in partial_rows.items()],
            )
    for table, fact_rows in buffer.facts.items():
        insert_new(session, table, list(fact_rows.values()))
    if OutcomeFact in buffer.facts or CourseDim in buffer.dimensions:
        _complete_outcomes(session)
    voided = _apply_voids(session, buffer.voids)
    if not track:
        return dirty, before, after
    _mark_facts(buffer, voided, dirty)
    _mark_history(buffer, after, dirty)
    _mark_officers(session, changed_officers, after, buffer, dirty)
    _mark_span(before, after, dirty)
    return dirty, before, after


def _complete_outcomes(session: Session) -> None:
    """Withdrawals name only the enrolment: take its course, and the course's training type,
    in two set-based statements (the course may have been published after the fact)."""
    o, e, c = OutcomeFact.__table__, EnrolmentFact.__table__, CourseDim.__table__  # type: ignore[attr-defined]
    session.execute(
        update(o)
        .where(o.c.course_id.is_(None))
        .values(
            course_id=select(e.c.course_id)
            .where(e.c.enrolment_id == o.c.enrolment_id)
            .scalar_subquery()
        )
    )
    session.execute(
        update(o)
        .where(o.c.training_type.is_(None), o.c.course_id.is_not(None))
        .values(
            training_type=select(c.c.training_type)
            .where(c.c.course_id == o.c.course_id)
            .order_by(c.c.version.desc())
            .limit(1)
            .scalar_subquery()
        )
    )


def _write_officers(session: Session, buffer: FactBuffer) -> Since:
    """Upsert officers and their assignments; return, per officer whose counting changed, the
    first day it changed from (None: every period, e.g. a new officer)."""
    since: Since = {}
    full = buffer.dimensions.get(OfficerDim, {})
    partial = buffer.partial.get(OfficerDim, {})
    ids = [k[0] for k in (*full, *partial)]
    if ids:
        current: dict[str, tuple[Any, ...]] = {}
        t = OfficerDim.__table__  # type: ignore[attr-defined]
        for part in chunks(ids):
            query = select(t.c.officer_id, *(t.c[a] for a in OFFICER_ATTRIBUTES))
            current |= {
                r[0]: tuple(r[1:]) for r in session.execute(query.where(t.c.officer_id.in_(part)))
            }
        changed_full = [
            row
            for (oid,), row in full.items()
            if current.get(oid) != tuple(row[a] for a in OFFICER_ATTRIBUTES)
        ]
        changed_partial = [
            {"officer_id": oid, **row}
            for (oid,), row in partial.items()
            if oid in current and _differs(current[oid], row)
        ]
        upsert(session, OfficerDim, changed_full)
        amend(session, OfficerDim, changed_partial)
        sex = OFFICER_ATTRIBUTES.index("sex")
        for row in changed_full:  # the assignment rows say where and how; the dimension, who
            known = current.get(row["officer_id"])
            if known is None or known[sex] != row["sex"]:
                since[row["officer_id"]] = None
    for oid, day in _write_assignments(session, buffer).items():
        if oid not in since or day is None:
            since[oid] = day
        else:
            known_day = since[oid]
            since[oid] = day if known_day is None else min(day, known_day)
    return since


ASSIGNMENT = ("municipality", "level", "status")
ASSIGNMENT_COLUMNS = (
    "officer_id",
    "valid_from",
    "join_from",
    "valid_to",
    *ASSIGNMENT,
    "registration",
    "as_of",
)


def _write_assignments(session: Session, buffer: FactBuffer) -> Since:
    """Merge the batch's assignments into each officer's history (a registration replaces the
    officer's earlier registration row; a change on a day replaces that day's), rederive each
    row's ``join_from`` and ``valid_to``, and return the first day each officer's assignment in
    force changed on (None: from the start)."""
    new = buffer.dimensions.get(OfficerAssignment, {})
    if not new:
        return {}
    t = OfficerAssignment.__table__  # type: ignore[attr-defined]
    officers = sorted({oid for oid, _ in new})
    stored: dict[str, dict[dt.date, dict[str, Any]]] = defaultdict(dict)
    for part in chunks(officers):
        query = select(*(t.c[c] for c in ASSIGNMENT_COLUMNS)).where(t.c.officer_id.in_(part))
        for r in session.execute(query):
            stored[r[0]][r[1]] = dict(zip(ASSIGNMENT_COLUMNS, r, strict=True))
    merged = {oid: {d: dict(r) for d, r in rows.items()} for oid, rows in stored.items()}
    for (oid, day), row in new.items():
        rows = merged.setdefault(oid, {})
        if row["registration"]:
            for other in [d for d, r in rows.items() if r["registration"] and d != day]:
                del rows[other]
        rows[day] = dict(row)
    since: Since = {}
    writes: list[dict[str, Any]] = []
    gone: list[tuple[str, dt.date]] = []
    for oid in officers:
        before, after = stored.get(oid, {}), merged[oid]
        days = sorted(after)
        for i, day in enumerate(days):
            row = after[day]
            row["join_from"] = EARLIEST if i == 0 else day
            row["valid_to"] = days[i + 1] if i + 1 < len(days) else LATEST
            if before.get(day) != row:
                writes.append({c: row[c] for c in ASSIGNMENT_COLUMNS})
        gone += [(oid, d) for d in before if d not in after]
        moved = [
            d
            for d in set(before) | set(after)
            if d not in before
            or d not in after
            or any(before[d][a] != after[d][a] for a in ASSIGNMENT)
        ]
        if moved:
            first = min(moved)
            earliest_known = min(before) if before else None
            since[oid] = None if earliest_known is None or first <= earliest_known else first
    for oid, day in gone:
        session.execute(t.delete().where(t.c.officer_id == oid, t.c.valid_from == day))
    upsert(session, OfficerAssignment, writes)
    return since


def _differs(current: tuple[Any, ...], change: dict[str, Any]) -> bool:
    known = dict(zip(OFFICER_ATTRIBUTES, current, strict=True))
    return any(known[a] != v for a, v in change.items() if a in known)


def _apply_voids(
    session: Session, voids: Sequence[tuple[type[SQLModel], str, int]]
) -> list[tuple[type[SQLModel], int]]:
    """Mark voided facts; return the (table, year) of each fact actually voided."""
    out: list[tuple[type[SQLModel], int]] = []
    for table, event_id, as_of in voids:
        t = table.__table__  # type: ignore[attr-defined]
        years = (
            session.execute(select(t.c.year).where(t.c.event_id == event_id, t.c.voided.is_(False)))
            .scalars()
            .all()
        )
        if not years:
            continue
        session.execute(update(t).where(t.c.event_id == event_id).values(voided=True, as_of=as_of))
        out += [(table, int(y)) for y in years]
    return out


def _mark_facts(
    buffer: FactBuffer, voided: Sequence[tuple[type[SQLModel], int]], dirty: Dirty
) -> None:
    for table, rows in buffer.facts.items():
        trace = buffer.traces.get(table, {})
        for year in {int(r["year"]) for r in rows.values() if "year" in r}:
            for family in FAMILIES_OF.get(table, ()):
                dirty.setdefault((family, year), trace)
    for table, year in voided:
        for family in FAMILIES_OF.get(table, ()):
            dirty.setdefault((family, year), {})


def _mark_history(buffer: FactBuffer, span: Span, dirty: Dirty) -> None:
    for table, families in HISTORY_FAMILIES.items():
        touched = table in buffer.facts or table in buffer.dimensions or table in buffer.partial
        if touched:
            for year in span.years():
                for family in families:
                    dirty.setdefault((family, year), buffer.traces.get(table, {}))


def _mark_officers(
    session: Session, since: Since, span: Span, buffer: FactBuffer, dirty: Dirty
) -> None:
    """An officer's new assignment moves the figures counting them from the day it takes
    effect on (ADR 0095): stocks of the years from then on, and the years of the officer's
    facts from then on. A new officer, or a new sex, moves every figure counting them."""
    if not since:
        return
    trace = buffer.traces.get(OfficerDim) or buffer.traces.get(OfficerAssignment, {})
    from_year: dict[int, list[str]] = defaultdict(list)
    for oid, day in since.items():
        from_year[0 if day is None else day.year].append(oid)
    first = min(from_year)
    for year in span.years():
        if year >= first:
            for family in OFFICER_FAMILIES:
                dirty.setdefault((family, year), trace)
    for table in OFFICER_FLOWS:
        t = table.__table__  # type: ignore[attr-defined]
        for start, officers in from_year.items():
            for part in chunks(officers):
                query = select(t.c.year).where(t.c.officer_id.in_(part))
                if start:
                    query = query.where(t.c.year >= str(start))
                for year in session.execute(query.distinct()).scalars():
                    for family in FAMILIES_OF[table]:
                        dirty.setdefault((family, int(year)), trace)


def _mark_span(before: Span, after: Span, dirty: Dirty) -> None:
    """Stocks are published for every period the data spans: a span reaching further back
    adds years, and a later horizon adds or changes the periods of the years it moves over."""
    if after == before or after.horizon is None:
        return
    years = set(after.years()) - set(before.years())
    if before.horizon != after.horizon:
        start = before.horizon.year if before.horizon is not None else after.horizon.year
        years |= set(range(start, after.horizon.year + 1))
    for year in years:
        for family in STOCK_FAMILIES:
            dirty.setdefault((family, year), {})
