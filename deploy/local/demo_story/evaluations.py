"""What evaluators and the C3 import send, by ``officer_id``: instructors' certifications,
the 2020 competency battery, desempeño and C3 results, anonymous course feedback; and who
should end up eligible for the CUP."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass

from convenio_contracts import Event
from convenio_contracts.evaluation import (
    CertifyInstructor,
    ImportTrustControlResult,
    RecordCompetencyResult,
    RecordPerformanceResult,
    ScheduleAssessment,
    SubmitCourseFeedback,
)

from .cast import SEED, roster
from .courses import COMPETENCIES_2020, FIE, OFFERINGS, PR24, cohort
from .days import today_in_mexico, years_before
from .registers import FI_HOURS, training

PASS_MARK = 70
"""The evaluation service's default knowledge pass mark (``COMPETENCY_PASS_MARK``)."""
INTENDED_REJECTION = "uncertified_evaluator"
"""The one refusal the story asks for: see ``UNCERTIFIED``."""


@dataclass(frozen=True)
class Instructor:
    instructor_id: str
    competencies: tuple[str, ...]
    certified_days_ago: int

    def command(self, today: dt.date) -> CertifyInstructor:
        valid_from = today - dt.timedelta(days=self.certified_days_ago)
        return CertifyInstructor(
            instructor_id=self.instructor_id,
            competencies=self.competencies,
            valid_from=valid_from,
            valid_until=valid_from + dt.timedelta(days=3 * 365),
        )


INSTRUCTORS = (
    Instructor("INS-UMS-01", COMPETENCIES_2020, 730),
    Instructor(
        "INS-UMS-02",
        ("armamento_y_tiro", "conduccion_de_vehiculos", "radiocomunicacion", "primer_respondiente"),
        730,
    ),
    Instructor(
        "INS-UMS-03",
        (
            "acondicionamiento_fisico_y_defensa_policial",
            "detencion_y_conduccion_de_personas",
            "baston_pr_24",
        ),
        500,
    ),
    Instructor("INS-UMS-04", ("radiocomunicacion", "primer_respondiente"), 400),
    Instructor("INS-NEZ-01", COMPETENCIES_2020, 365),
    Instructor(
        "INS-NEZ-02",
        ("acondicionamiento_fisico_y_defensa_policial", "armamento_y_tiro", "baston_pr_24"),
        365,
    ),
)
UNCERTIFIED = ("INS-UMS-04", "armamento_y_tiro")
"""The intended rejection: INS-UMS-04 is not certified to evaluate shooting."""


@dataclass(frozen=True)
class Competency:
    competency: str
    knowledge_score: float
    practical_result: str
    evaluator_id: str
    evaluated_on: dt.date


@dataclass(frozen=True)
class Performance:
    score: float
    passed: bool
    evaluated_on: dt.date


@dataclass(frozen=True)
class Profile:
    """One officer's evaluations, decided by the seed; named by CUIP until bound to a pseudonym."""

    c3_approved: bool
    c3_on: dt.date
    competencies: tuple[Competency, ...]
    performance: Performance | None
    """None: a desempeño evaluation is scheduled instead."""

    @property
    def passes_everything(self) -> bool:
        latest: dict[str, Competency] = {}
        for c in self.competencies:  # in date order
            latest[c.competency] = c
        battery = set(latest) == set(COMPETENCIES_2020) and all(
            c.knowledge_score >= PASS_MARK and c.practical_result == "cumple"
            for c in latest.values()
        )
        return (
            self.c3_approved
            and battery
            and self.performance is not None
            and self.performance.passed
        )


@dataclass(frozen=True)
class Defects:
    """Who falls short where: disjoint groups drawn from the roster by the seed."""

    c3_refused: set[str]
    c3_expiring: set[str]
    performance_failed: set[str]
    performance_scheduled: set[str]
    competency_retaken: set[str]
    competency_failed: set[str]
    battery_incomplete: set[str]


DEFECTS = {
    "c3_refused": 2,
    "c3_expiring": 5,
    "performance_failed": 3,
    "performance_scheduled": 2,
    "competency_retaken": 3,
    "competency_failed": 1,
    "battery_incomplete": 2,
}
"""How many officers fall short in each way (``Defects``)."""


def _defects(rng: random.Random, cuips: list[str]) -> Defects:
    drawn = iter(rng.sample(cuips, sum(DEFECTS.values())))
    return Defects(**{name: {next(drawn) for _ in range(n)} for name, n in DEFECTS.items()})


def _evaluators(campus: str, competency: str) -> list[str]:
    home = "INS-NEZ" if campus == "nezahualcoyotl" else "INS-UMS"
    return [
        i.instructor_id
        for i in INSTRUCTORS
        if competency in i.competencies and i.instructor_id.startswith(home)
    ]


def _stumble(rng: random.Random) -> tuple[float, str]:
    """A failed attempt: a knowledge score under the pass mark, or the practical not met."""
    if rng.random() < 0.5:
        return rng.randrange(50, PASS_MARK), "cumple"
    return rng.randrange(PASS_MARK + 2, 90), "no_cumple"


def _battery(
    rng: random.Random, cuip: str, campus: str, first_day: dt.date, today: dt.date, d: Defects
) -> tuple[Competency, ...]:
    wanted = COMPETENCIES_2020[:4] if cuip in d.battery_incomplete else COMPETENCIES_2020
    stumbles = rng.choice(wanted) if cuip in d.competency_retaken | d.competency_failed else None
    results = []
    for competency in wanted:
        on = first_day + dt.timedelta(days=rng.randrange(0, 10))
        evaluator = rng.choice(_evaluators(campus, competency))
        if competency == stumbles:
            results.append(Competency(competency, *_stumble(rng), evaluator, on))
            if cuip in d.competency_retaken:
                again = today - dt.timedelta(days=rng.randrange(3, 9))
                results.append(
                    Competency(competency, rng.randrange(75, 95), "cumple", evaluator, again)
                )
            continue
        results.append(Competency(competency, rng.randrange(72, 99), "cumple", evaluator, on))
    return tuple(sorted(results, key=lambda c: c.evaluated_on))


def profiles(seed: int = SEED, today: dt.date | None = None) -> dict[str, Profile]:
    """Every officer's evaluations, by CUIP."""
    today = today or today_in_mexico()
    officers = roster(seed)
    rng = random.Random(f"{seed}:evaluation")
    d = _defects(rng, [o.cuip for o in officers])
    out: dict[str, Profile] = {}
    for offering in OFFERINGS:
        battery_from = offering.closed_on(today) + dt.timedelta(days=5)
        for officer in cohort(offering, officers):
            cuip = officer.cuip
            if cuip in d.c3_expiring:  # approved long ago: in force, but not for long
                c3_on = years_before(today, 3) + dt.timedelta(days=rng.randrange(20, 170))
            else:
                c3_on = today - dt.timedelta(days=rng.randrange(100, 900))
            performance = None
            if cuip not in d.performance_scheduled:
                failed = cuip in d.performance_failed
                score = rng.randrange(45, 69) if failed else rng.randrange(70, 99)
                performance = Performance(
                    score, not failed, today - dt.timedelta(days=rng.randrange(10, 40))
                )
            out[cuip] = Profile(
                c3_approved=cuip not in d.c3_refused,
                c3_on=c3_on,
                competencies=_battery(rng, cuip, offering.campus, battery_from, today, d),
                performance=performance,
            )
    return out


def expected_eligible(seed: int = SEED, today: dt.date | None = None) -> set[str]:
    """CUIPs of the officers who should hold every CUP component: formación inicial completed
    with its 486 hours delivered (only the FIE offering gives it) and every evaluation
    passed."""
    plan = training(seed, today)
    fie = OFFERINGS[0]
    required = FI_HOURS[fie.course.training_type]
    completed = {
        c for c in plan.completed[fie.offering_id]
        if plan.delivered_hours[(fie.offering_id, c)] >= required
    }  # fmt: skip
    return {
        cuip
        for cuip, p in profiles(seed, today).items()
        if cuip in completed and p.passes_everything
    }


def evaluation_commands(
    officer_ids: Mapping[str, str], seed: int = SEED, today: dt.date | None = None
) -> tuple[list[Event], list[Event]]:
    """The evaluators' and the C3 import's commands, naming officers by ``officer_id``; and,
    apart, the one command the demo expects to be refused."""
    today = today or today_in_mexico()
    commands = [
        command
        for cuip, profile in profiles(seed, today).items()
        for command in _evaluated(officer_ids[cuip], profile, today)
    ]
    evaluator, competency = UNCERTIFIED
    refused = RecordCompetencyResult(
        officer_id=next(iter(officer_ids.values())),
        catalogue_version="2020",
        competency=competency,
        knowledge_score=88,
        practical_result="cumple",
        evaluator_id=evaluator,
        evaluated_on=today - dt.timedelta(days=2),
    )
    return commands, [refused]


def _evaluated(officer_id: str, p: Profile, today: dt.date) -> list[Event]:
    out: list[Event] = [
        ImportTrustControlResult(
            officer_id=officer_id, approved=p.c3_approved, evaluated_on=p.c3_on
        )
    ]
    out += [
        RecordCompetencyResult(
            officer_id=officer_id,
            catalogue_version="2020",
            competency=c.competency,
            knowledge_score=c.knowledge_score,
            practical_result=c.practical_result,
            evaluator_id=c.evaluator_id,
            evaluated_on=c.evaluated_on,
        )
        for c in p.competencies
    ]
    if p.performance is None:
        due = today + dt.timedelta(days=30)
        out.append(
            ScheduleAssessment(officer_id=officer_id, assessment_type="desempeno", due_on=due)
        )
        return out
    out.append(
        RecordPerformanceResult(
            officer_id=officer_id,
            score=p.performance.score,
            passed=p.performance.passed,
            instrument_version="ED-2026",
            evaluator_id="EVAL-UMS-07",
            evaluated_on=p.performance.evaluated_on,
        )
    )
    return out


def feedback(
    seed: int = SEED, today: dt.date | None = None
) -> list[tuple[str, SubmitCourseFeedback]]:
    """About two in three participants who finished rate their course, once each, by CUIP:
    the command names the enrolment, which only the enrolment service knows
    (``Story.feedback_from``), and the fact that comes of it names nobody (ADR 0077)."""
    today = today or today_in_mexico()
    plan = training(seed, today)
    rng = random.Random(f"{seed}:feedback")
    leaning = {
        FIE.course_id: {"too_theoretical": 5, "balanced": 4, "too_practical": 1},
        PR24.course_id: {"too_theoretical": 1, "balanced": 6, "too_practical": 2},
    }
    out = []
    for offering in OFFERINGS:
        oid = offering.offering_id
        finished = sorted(plan.completed[oid] | plan.failed[oid])
        weights = leaning[offering.course.course_id]
        for cuip in finished[: round(len(finished) * 2 / 3)]:
            out.append(
                (
                    cuip,
                    SubmitCourseFeedback(
                        offering_id=oid,
                        instructor_id=rng.choice(offering.instructors),
                        relevance=rng.choices([2, 3, 4, 5], [1, 3, 6, 4])[0],
                        theory_practice_balance=rng.choices(list(weights), list(weights.values()))[
                            0
                        ],
                        instructor_rating=rng.choices([3, 4, 5], [2, 5, 4])[0],
                        submitted_on=offering.closed_on(today),
                    ),
                )
            )
    return out
