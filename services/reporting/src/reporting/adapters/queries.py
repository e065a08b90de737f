"""The fact queries behind each family: one grouped query per period kind (and per breakdown
dimension) computes every cell of a year at the finest grain, period x municipality x level x
sex; the domain rolls those tallies up. Stocks and histories are fetched in bulk and computed
by the domain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, case, cast, distinct, exists, func, literal, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from ..domain.cells import Grain, Tally
from ..domain.feed import as_datetime
from ..domain.periods import PERIOD_TYPES
from ..domain.perturbation import salt
from ..domain.stock import (
    Assignment,
    Certification,
    Eligibility,
    FindingDates,
    History,
    Officer,
    Status,
)
from .tables import (
    AttendanceFact,
    CompetencyFact,
    CupStatusFact,
    EligibilityFact,
    EnrolmentFact,
    ExpiryAlertFact,
    FeedbackFact,
    FindingRow,
    InstructorCertification,
    OfferingDim,
    OfferingInstructor,
    OfficerAssignment,
    OfficerDim,
    OutcomeFact,
    PerformanceFact,
)

T = Any
LOCAL = ZoneInfo("America/Mexico_City")
ATTENDED = ("present", "late")


def _t(model: Any) -> Any:
    return model.__table__


def _flag(condition: ColumnElement[bool], then: Any = 1) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((condition, then), else_=0)), 0)


@dataclass(frozen=True)
class FlowSource:
    """How a flow family's tallies are computed from one fact table."""

    table: Any
    measures: Callable[[T], dict[str, ColumnElement[Any]]]
    dimensions: dict[str, Callable[[T], ColumnElement[Any]]] = field(default_factory=dict)
    where: Callable[[T, T], list[ColumnElement[bool]]] = lambda t, o: [t.c.voided.is_(False)]
    officers: Callable[[T], ColumnElement[Any]] = lambda t: func.count(distinct(t.c.officer_id))
    by_officer: bool = True
    join: Callable[[Any], Any] | None = None
    counted: Callable[[T], dict[str, ColumnElement[bool]]] = lambda t: {}
    """Which records each measure counts (a measure not named counts every record): the
    measure's cell key sums those records' keys (ADR 0070)."""
    day: Callable[[T], ColumnElement[Any]] | None = None
    """The fact's date: the officer counts under the assignment in force on it (ADR 0095)."""


def _certified_instructor(t: T) -> ColumnElement[bool]:
    oi, ic = _t(OfferingInstructor), _t(InstructorCertification)
    return exists(
        select(literal(1))
        .select_from(oi.join(ic, ic.c.instructor_id == oi.c.instructor_id))
        .where(
            oi.c.offering_id == t.c.offering_id,
            ic.c.valid_from <= t.c.ended_on,
            ic.c.valid_until >= t.c.ended_on,
        )
    )


FLOWS: dict[str, FlowSource] = {
    "enrolment": FlowSource(
        _t(EnrolmentFact),
        lambda t: {"enrolments": func.count()},
        day=lambda t: t.c.enrolled_on,
    ),
    "outcome": FlowSource(
        _t(OutcomeFact),
        lambda t: {
            "ended": func.count(),
            "completed": _flag(t.c.outcome == "completed"),
            "withdrawn": _flag(t.c.outcome == "withdrawn"),
            "planned_theory_min": func.sum(t.c.planned_theory_min),
            "planned_min": func.sum(t.c.planned_min),
            "delivered_theory_min": func.sum(t.c.delivered_theory_min),
            "delivered_min": func.sum(t.c.delivered_min),
        },
        {
            "training_type": lambda t: func.coalesce(t.c.training_type, "unknown"),
            "course": lambda t: func.coalesce(t.c.course_id, "unknown"),
        },
        counted=lambda t: {
            "completed": t.c.outcome == "completed",
            "withdrawn": t.c.outcome == "withdrawn",
        },
        day=lambda t: t.c.ended_on,
    ),
    "attendance": FlowSource(
        _t(AttendanceFact),
        lambda t: {
            "records": func.count(),
            "attended": _flag(t.c.status.in_(ATTENDED)),
            "attended_min": _flag(t.c.status.in_(ATTENDED), t.c.minutes),
            "trained": func.count(
                distinct(case((t.c.status.in_(ATTENDED), t.c.officer_id), else_=None))
            ),
        },
        counted=lambda t: {
            "attended": t.c.status.in_(ATTENDED),
            "attended_min": t.c.status.in_(ATTENDED),
            "trained": t.c.status.in_(ATTENDED),
        },
        day=lambda t: t.c.session_date,
    ),
    "competency": FlowSource(
        _t(CompetencyFact),
        lambda t: {
            "evaluations": func.count(),
            "passed": _flag(t.c.passed.is_(True)),
            "first_attempts": _flag(t.c.attempt == 1),
            "first_passed": _flag(and_(t.c.attempt == 1, t.c.passed.is_(True))),
            "reevaluations": _flag(t.c.attempt > 1),
        },
        {"competency": lambda t: t.c.competency},
        where=lambda t, o: [],
        counted=lambda t: {
            "passed": t.c.passed.is_(True),
            "first_attempts": t.c.attempt == 1,
            "first_passed": and_(t.c.attempt == 1, t.c.passed.is_(True)),
            "reevaluations": t.c.attempt > 1,
        },
        day=lambda t: t.c.evaluated_on,
    ),
    "performance": FlowSource(
        _t(PerformanceFact),
        lambda t: {"evaluations": func.count(), "passed": _flag(t.c.passed.is_(True))},
        {"band": lambda t: t.c.band},
        where=lambda t, o: [],
        counted=lambda t: {"passed": t.c.passed.is_(True)},
        day=lambda t: t.c.evaluated_on,
    ),
    "alerts": FlowSource(
        _t(ExpiryAlertFact),
        lambda t: {"alerts": func.count()},
        {
            "component": lambda t: t.c.component,
            "window": lambda t: cast(t.c.days_left, String),
        },
        where=lambda t, o: [],
        day=lambda t: t.c.alerted_on,
    ),
    "cascade": FlowSource(
        _t(OutcomeFact),
        lambda t: {"completions": func.count(), "trained": func.count(distinct(t.c.officer_id))},
        where=lambda t, o: [
            t.c.voided.is_(False),
            t.c.outcome == "completed",
            o.c.level == "municipal",  # o: the assignment in force on the fact's date
            _certified_instructor(t),
        ],
        day=lambda t: t.c.ended_on,
    ),
    "feedback": FlowSource(
        _t(FeedbackFact),
        lambda t: {
            "responses": func.count(),
            "relevance_sum": func.sum(t.c.relevance),
            "rating_sum": func.sum(t.c.instructor_rating),
            "balanced": _flag(t.c.balance == "balanced"),
            "too_theoretical": _flag(t.c.balance == "too_theoretical"),
        },
        {
            "course": lambda t: func.coalesce(_t(OfferingDim).c.course_id, "unknown"),
            "instructor": lambda t: t.c.instructor_id,
        },
        where=lambda t, o: [],
        officers=lambda t: func.count(),
        by_officer=False,
        join=lambda t: t.outerjoin(
            _t(OfferingDim), _t(OfferingDim).c.offering_id == t.c.offering_id
        ),
        counted=lambda t: {
            "balanced": t.c.balance == "balanced",
            "too_theoretical": t.c.balance == "too_theoretical",
        },
    ),
}


def _key_sum(
    condition: ColumnElement[bool] | None, record_key: ColumnElement[Any], measure: str
) -> ColumnElement[Any]:
    """The sum of the (salted) record keys of the records ``measure`` counts."""
    key = record_key + salt(measure)
    if condition is None:
        return cast(func.coalesce(func.sum(key), 0), Integer)
    return cast(_flag(condition, key), Integer)


def flow_grains(session: Session, family: str, year: int) -> list[Grain]:
    source = FLOWS[family]
    grains: list[Grain] = []
    for kind in PERIOD_TYPES:
        grains += _grains(session, source, year, kind, None)
        for dimension in source.dimensions:
            grains += _grains(session, source, year, kind, dimension)
    return grains


def _grains(
    session: Session, source: FlowSource, year: int, kind: str, dimension: str | None
) -> list[Grain]:
    t, o, a = source.table, _t(OfficerDim), _t(OfficerAssignment)
    period = t.c[kind]
    keys: list[ColumnElement[Any]] = [period]
    if dimension is not None:
        keys.append(source.dimensions[dimension](t))
    elif source.by_officer:
        keys += [a.c.municipality, a.c.level, o.c.sex]
    measures = source.measures(t)
    record_key = o.c.record_key if source.by_officer else t.c.record_key
    counted = source.counted(t)
    key_names = ["officers", *measures]
    columns = [
        *keys,
        source.officers(t),
        func.max(t.c.as_of),
        *(cast(m, Integer) for m in measures.values()),
        *(_key_sum(counted.get(name), record_key, name) for name in key_names),
    ]
    joined = source.join(t) if source.join is not None else t
    if source.by_officer:
        assert source.day is not None, "a flow by officer needs the fact's date"
        day = source.day(t)
        joined = joined.join(o, o.c.officer_id == t.c.officer_id).join(
            a, and_(a.c.officer_id == t.c.officer_id, a.c.join_from <= day, a.c.valid_to > day)
        )
    query = (
        select(*columns)
        .select_from(joined)
        .where(t.c.year == str(year), *source.where(t, a))
        .group_by(*keys)
    )
    names = list(measures)
    out = []
    for row in session.execute(query).all():
        n = len(keys)
        m = n + 2 + len(names)
        tally = Tally(
            int(row[n]),
            {name: float(v or 0) for name, v in zip(names, row[n + 2 : m], strict=True)},
            int(row[n + 1]) if row[n + 1] is not None else None,
            {name: int(v or 0) for name, v in zip(key_names, row[m:], strict=True)},
        )
        if dimension is not None:
            out.append(Grain(row[0], tally, dimension=(dimension, str(row[1]))))
        elif source.by_officer:
            out.append(Grain(row[0], tally, int(row[1]), row[2], row[3]))
        else:
            out.append(Grain(row[0], tally))
    return out


def officers(session: Session) -> dict[str, Officer]:
    """Every registered officer with their assignment history, oldest first."""
    o, a = _t(OfficerDim), _t(OfficerAssignment)
    timelines: dict[str, list[Assignment]] = {}
    query = select(a.c.officer_id, a.c.valid_from, a.c.municipality, a.c.level, a.c.status)
    for r in session.execute(query.order_by(a.c.officer_id, a.c.valid_from)):
        timelines.setdefault(r[0], []).append(Assignment(r[1], int(r[2]), r[3], r[4]))
    return {
        r[0]: Officer(r[0], r[1], int(r[2]), tuple(timelines.get(r[0], ())))
        for r in session.execute(select(o.c.officer_id, o.c.sex, o.c.record_key))
    }


def histories(session: Session) -> dict[str, History]:
    out: dict[str, History] = {}
    s = _t(CupStatusFact)
    for r in session.execute(
        select(
            s.c.officer_id,
            s.c.component,
            s.c.changed_on,
            s.c.as_of,
            s.c.event_id,
            s.c.status,
            s.c.valid_until,
        )
    ):
        history = out.setdefault(r[0], History())
        history.components.setdefault(r[1], []).append(Status(*r[2:]))
    e = _t(EligibilityFact)
    for r in session.execute(
        select(
            e.c.officer_id,
            e.c.changed_on,
            e.c.as_of,
            e.c.event_id,
            e.c.eligible,
            e.c.earliest_expiry,
        )
    ):
        out.setdefault(r[0], History()).eligibility.append(Eligibility(*r[1:]))
    for history in out.values():
        for records in history.components.values():
            records.sort()
        history.eligibility.sort()
    return out


def first_status_day(session: Session) -> dt.date | None:
    s, e = _t(CupStatusFact), _t(EligibilityFact)
    days = [
        session.execute(select(func.min(s.c.changed_on))).scalar(),
        session.execute(select(func.min(e.c.changed_on))).scalar(),
    ]
    known = [d for d in days if d is not None]
    return min(known) if known else None


def certifications(session: Session) -> list[Certification]:
    c = _t(InstructorCertification)
    return [
        Certification(
            r[0], r[1], r[2], tuple(x for x in r[3].split(",") if x), int(r[4]), int(r[5])
        )
        for r in session.execute(
            select(
                c.c.instructor_id,
                c.c.valid_from,
                c.c.valid_until,
                c.c.competencies,
                c.c.as_of,
                c.c.record_key,
            )
        )
    ]


def officers_trained(session: Session, year: int) -> dict[str, tuple[int, int | None, int]]:
    """Distinct registered officers present at a session, per period label of ``year``, with
    the time of the latest record and the key sum of ``training.officers_trained``'s records
    (the same figure, so the same noise)."""
    t, o = _t(AttendanceFact), _t(OfficerDim)
    out: dict[str, tuple[int, int | None, int]] = {}
    for kind in PERIOD_TYPES:
        query = (
            select(
                t.c[kind],
                func.count(distinct(t.c.officer_id)),
                func.max(t.c.as_of),
                _key_sum(None, o.c.record_key, "trained"),
            )
            .select_from(t.join(o, o.c.officer_id == t.c.officer_id))
            .where(t.c.year == str(year), t.c.voided.is_(False), t.c.status.in_(ATTENDED))
            .group_by(t.c[kind])
        )
        out |= {
            r[0]: (int(r[1]), int(r[2]) if r[2] is not None else None, int(r[3] or 0))
            for r in session.execute(query)
        }
    return out


def findings(session: Session) -> list[FindingDates]:
    f = _t(FindingRow)
    return [
        FindingDates(r[0], local_day(r[1]), local_day(r[2]) if r[2] is not None else None, r[3])
        for r in session.execute(select(f.c.category, f.c.recorded_at, f.c.closed_at, f.c.as_of))
    ]


def local_day(micros: int) -> dt.date:
    """Findings are dated in the agencies' time zone, like every other fact's date."""
    return as_datetime(micros).astimezone(LOCAL).date()


def active_municipalities(session: Session) -> list[int]:
    o = _t(OfficerDim)
    return [
        int(m)
        for m in session.execute(
            select(o.c.municipality).where(o.c.status == "activo").distinct()
        ).scalars()
    ]
