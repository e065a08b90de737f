"""The intake commands of the year, as agency systems would send them, in time order.

Each kind of command has its own generator, ordered by the moment the agency sends it; the
year's stream merges them. Officer-scoped commands can be restricted to a group of officers,
so that a benchmark phase gets officers no other phase has touched.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .catalogue import COURSES, Offering
from .people import Officer
from .plan import LOCAL, Enrolment, Plan, at_local, stable_int, stable_uniform

COMPETENCIES_2020 = (
    "acondicionamiento_fisico_y_defensa_policial",
    "armamento_y_tiro",
    "conduccion_de_vehiculos",
    "detencion_y_conduccion_de_personas",
    "baston_pr_24",
    "radiocomunicacion",
    "primer_respondiente",
)
PASS_MARK = 70
FEEDBACK_SHARE = 0.3
_ENROLMENT = "mx.convenio.enrolment"
_EVALUATION = "mx.convenio.evaluation"


@dataclass(frozen=True, slots=True)
class Command:
    """One intake command: its kind, CloudEvents type, send time, Kafka key and JSON body."""

    kind: str
    ce_type: str
    at: dt.datetime
    key: str
    data: dict[str, Any]
    officer: int | None = None
    """Index of the officer the command is about, if any."""
    names_officer: bool = False
    """Evaluation intake names officers by ``officer_id``, which only enrolment knows: the
    publisher fills ``data['officer_id']`` (and the key) from enrolment's pseudonym."""
    subject: Any = None
    """The planned officer or enrolment behind the command: a replay's facts come from it."""


# --- the catalogue and instructors: published before anything else --------------------------


def courses(plan: Plan) -> Iterator[Command]:
    for n, course in enumerate(COURSES):
        at = at_local(dt.date(plan.spec.year, 1, 1), 8 * 60 + n)
        yield Command(
            "course", f"{_ENROLMENT}.course.publish.v1", at, course.course_id, course.publication()
        )


def offerings(plan: Plan, only: Collection[str] | None = None) -> Iterator[Command]:
    start = at_local(dt.date(plan.spec.year, 1, 1), 12 * 60)
    for n, offering in enumerate(plan.offerings):
        if only is None or offering.offering_id in only:
            yield Command(
                "offering",
                f"{_ENROLMENT}.offering.schedule.v1",
                start + dt.timedelta(seconds=n),
                offering.course.course_id,
                offering.schedule(),
            )


def instructors(plan: Plan) -> Iterator[Command]:
    day = dt.date(plan.spec.year, 1, 5)
    for n, instructor in enumerate(plan.instructors):
        yield Command(
            "instructor",
            f"{_EVALUATION}.instructor.certify.v1",
            at_local(day, 9 * 60) + dt.timedelta(seconds=n),
            instructor,
            {
                "instructor_id": instructor,
                "competencies": list(COMPETENCIES_2020),
                "valid_from": day.isoformat(),
                "valid_until": day.replace(year=day.year + 3).isoformat(),
            },
        )


# --- officers' year ---------------------------------------------------------------------------


def registrations(plan: Plan, officers: list[Officer]) -> Iterator[Command]:
    for at, officer in sorted(((plan.registered_at(o), o) for o in officers), key=_first):
        yield Command(
            "registration",
            f"{_ENROLMENT}.officer.register.v1",
            at,
            officer.cuip,
            officer.registration(),
            officer.index,
            subject=officer,
        )


def requested_by(officer: Officer) -> str:
    if officer.level == "estatal":
        return "Dirección de Profesionalización SSEM"
    return f"Academia de Policía Municipal {officer.municipality}"


def enrolment_requests(enrolments: list[Enrolment]) -> Iterator[Command]:
    for e in sorted(enrolments, key=lambda e: e.requested_at):
        yield Command(
            "enrolment",
            f"{_ENROLMENT}.enrolment.request.v1",
            e.requested_at,
            e.officer.cuip,
            {
                "cuip": e.officer.cuip,
                "offering_id": e.offering.offering_id,
                "requested_by": requested_by(e.officer),
            },
            e.officer.index,
            subject=e,
        )


def withdrawals(enrolments: list[Enrolment]) -> Iterator[Command]:
    withdrawn = [e for e in enrolments if e.withdrawn_at is not None]
    for e in sorted(withdrawn, key=lambda e: e.withdrawn_at or e.requested_at):
        assert e.withdrawn_at is not None
        yield Command(
            "withdrawal",
            f"{_ENROLMENT}.enrolment.withdraw.v1",
            e.withdrawn_at,
            e.officer.cuip,
            {
                "cuip": e.officer.cuip,
                "offering_id": e.offering.offering_id,
                "reason": "cambio de adscripción",
            },
            e.officer.index,
            subject=e,
        )


def mark(seed: int, e: Enrolment, session_number: int, planned: int) -> tuple[str, int]:
    """Status and minutes of one officer at one session: reliable officers mostly attend."""
    u = stable_uniform(seed, "attendance", e.enrolment_id, session_number)
    if u < e.officer.attendance:
        return "present", planned
    if u < e.officer.attendance + 0.04:
        return "late", max(0, planned - 15 - int(u * 1000) % 60)
    if u < e.officer.attendance + 0.07:
        return "justified", 0
    return "absent", 0


def attendance(plan: Plan, enrolments: list[Enrolment]) -> Iterator[Command]:
    """Registers are sent in the evening of each session day."""
    by_day: dict[dt.date, list[tuple[Enrolment, int]]] = defaultdict(list)
    for e in enrolments:
        for number in range(1, e.sessions_recorded + 1):
            by_day[e.offering.sessions[number - 1].date].append((e, number))
    seed = plan.spec.seed
    for day in sorted(by_day):
        todays = []
        for e, number in by_day[day]:
            session = e.offering.sessions[number - 1]
            status, minutes = mark(seed, e, number, session.planned_minutes)
            minute = 18 * 60 + stable_int(seed, "register", e.offering.offering_id) % 180
            todays.append(
                Command(
                    "attendance",
                    f"{_ENROLMENT}.attendance.record.v1",
                    at_local(day, minute) + dt.timedelta(seconds=number % 60),
                    e.officer.cuip,
                    {
                        "cuip": e.officer.cuip,
                        "offering_id": e.offering.offering_id,
                        "session_id": session.session_id,
                        "status": status,
                        "minutes": minutes,
                    },
                    e.officer.index,
                    subject=e,
                )
            )
        yield from sorted(todays, key=lambda c: c.at)


def closings(offerings_: Iterable[Offering]) -> Iterator[Command]:
    def closed_on(o: Offering) -> dt.date:
        return o.ends_on + dt.timedelta(days=1)

    for o in sorted(offerings_, key=lambda o: (closed_on(o), o.offering_id)):
        yield Command(
            "close",
            f"{_ENROLMENT}.offering.close.v1",
            at_local(closed_on(o), 10 * 60),
            o.course.course_id,
            {
                "offering_id": o.offering_id,
                "course_id": o.course.course_id,
                "closed_on": closed_on(o).isoformat(),
            },
        )


def feedback(plan: Plan, enrolments: list[Enrolment]) -> Iterator[Command]:
    """Anonymous: names the offering and instructor, never the officer."""
    seed, given = plan.spec.seed, []
    for e in enrolments:
        u = stable_uniform(seed, "feedback", e.enrolment_id)
        if e.withdrawn_at is None and u < FEEDBACK_SHARE:
            day = e.offering.ends_on + dt.timedelta(days=1)
            at = at_local(day, 12 * 60 + int(u * 10_000) % 300)
            given.append((at, e, u))
    for at, e, u in sorted(given, key=lambda given: given[0]):
        yield Command(
            "feedback",
            f"{_EVALUATION}.course_feedback.submit.v1",
            at,
            e.offering.offering_id,
            {
                "offering_id": e.offering.offering_id,
                "instructor_id": e.offering.instructors[0],
                "relevance": 3 + int(u * 100) % 3,
                "theory_practice_balance": ("too_theoretical", "balanced", "balanced")[
                    int(u * 1000) % 3
                ],
                "instructor_rating": 2 + int(u * 10_000) % 4,
                "submitted_on": at.astimezone(LOCAL).date().isoformat(),
            },
            e.officer.index,
        )


# --- evaluations: basic competencies, performance, trust control (C3) ------------------------


def _eval_command(
    kind: str, action: str, at: dt.datetime, officer: Officer, body: dict[str, Any]
) -> Command:
    return Command(
        kind,
        f"{_EVALUATION}.{action}.v1",
        at,
        officer.cuip,
        {"officer_id": None, **body},
        officer.index,
        names_officer=True,
    )


def evaluations_of(plan: Plan, officer: Officer) -> list[Command]:
    """A third of serving officers renew each evaluated component (CB, ED, C3) a year."""
    if officer.index >= plan.serving:
        return []
    rng = random.Random(stable_int(plan.spec.seed, "evaluation", officer.index))
    commands: list[Command] = []
    takes = {c: rng.random() < 1 / 3 for c in ("CB", "ED", "C3")}
    for component, taken in takes.items():
        day = _weekday(dt.date(plan.spec.year, 2, 2) + dt.timedelta(rng.randint(0, 290)))
        if taken:
            commands += _EVALUATIONS[component](plan, rng, officer, day)
    return commands


def _weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def _scheduled(officer: Officer, kind: str, day: dt.date) -> Command:
    return _eval_command(
        "assessment",
        "assessment.schedule",
        at_local(day, 0) - dt.timedelta(days=30) + dt.timedelta(hours=9),
        officer,
        {"assessment_type": kind, "due_on": day.isoformat()},
    )


def _basic_competencies(
    plan: Plan, rng: random.Random, officer: Officer, day: dt.date
) -> list[Command]:
    evaluator = rng.choice(plan.instructors)
    commands = [_scheduled(officer, "competencias_basicas", day)]
    retake = _weekday(day + dt.timedelta(days=45))
    for n, competency in enumerate(COMPETENCIES_2020):
        for attempt, when in enumerate((day, retake)):
            score = round(min(100.0, max(0.0, rng.gauss(82 + 6 * attempt, 9))), 1)
            practical = "cumple" if rng.random() < 0.93 + 0.05 * attempt else "no_cumple"
            commands.append(
                _eval_command(
                    "competency",
                    "competency_result.record",
                    at_local(when, 10 * 60 + 20 * n),
                    officer,
                    {
                        "catalogue_version": "2020",
                        "competency": competency,
                        "knowledge_score": score,
                        "practical_result": practical,
                        "evaluator_id": evaluator,
                        "evaluated_on": when.isoformat(),
                    },
                )
            )
            if score >= PASS_MARK and practical == "cumple":
                break
    return commands


def _performance(plan: Plan, rng: random.Random, officer: Officer, day: dt.date) -> list[Command]:
    score = round(min(100.0, max(0.0, rng.gauss(78, 10))), 1)
    return [
        _scheduled(officer, "desempeno", day),
        _eval_command(
            "performance",
            "performance_result.record",
            at_local(day, 12 * 60),
            officer,
            {
                "score": score,
                "scale_max": 100,
                "passed": score >= PASS_MARK,
                "instrument_version": "ED-2025",
                "evaluator_id": rng.choice(plan.instructors),
                "evaluated_on": day.isoformat(),
            },
        ),
    ]


def _trust_control(plan: Plan, rng: random.Random, officer: Officer, day: dt.date) -> list[Command]:
    return [
        _eval_command(
            "c3",
            "trust_control_result.import",
            at_local(day, 13 * 60),
            officer,
            {"approved": rng.random() < 0.93, "evaluated_on": day.isoformat()},
        )
    ]


_EVALUATIONS: dict[str, Callable[[Plan, random.Random, Officer, dt.date], list[Command]]] = {
    "CB": _basic_competencies,
    "ED": _performance,
    "C3": _trust_control,
}
EVALUATION_KINDS = frozenset({"assessment", "competency", "performance", "c3"})


def evaluations(plan: Plan, officers: list[Officer], kinds: Collection[str]) -> Iterator[Command]:
    wanted = [c for o in officers for c in evaluations_of(plan, o) if c.kind in kinds]
    yield from sorted(wanted, key=lambda c: c.at)


def _first(pair: tuple[dt.datetime, Any]) -> dt.datetime:
    return pair[0]


def merge_in_time(streams: Iterable[Iterator[Command]]) -> Iterator[Command]:
    """One stream in send order; on a tie, the earlier stream first (registrations first)."""
    return heapq.merge(*streams, key=lambda c: c.at)
