"""Every indicator's arithmetic on a small data set computed by hand, through the real pipeline
(handlers, bulk writes, projection) on SQLite and PostgreSQL, with k = 1 so that suppression
stays out of the way (it has its own tests).

The world, 2026: five officers, two courses, two offerings, two instructors.

    officer  municipality     level      sex     enrolment (enrolled)      outcome
    A        Toluca 15106     municipal  mujer   e1 in O1/C1 (01-10)       completed 03-20
    B        Toluca 15106     municipal  hombre  e2 in O1/C1 (01-12)       withdrawn 02-01
    C        Metepec 15054    municipal  mujer   e3 in O1/C1 (02-03)       failed 03-20
    D        Metepec 15054    estatal    hombre  e4 in O2/C2 (02-05)       completed 03-25
    E        Ecatepec 15033   municipal  hombre  e5 in O2/C2 (04-01)       -  (then 'baja')

C1 plans 10 h theory + 30 h practice; C2 20 h + 20 h.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from convenio_contracts.enrolment import (
    AttendanceRecorded,
    CoursePublished,
    EnrolmentCompleted,
    EnrolmentCreated,
    EnrolmentFailed,
    EnrolmentWithdrawn,
    OfferingScheduled,
    OfficerAssignmentChanged,
    OfficerRegistered,
)
from convenio_contracts.evaluation import (
    AssessmentResultRecorded,
    CertificationExpiring,
    CompetencyEvaluated,
    CourseFeedbackSubmitted,
    CupComponentStatusChanged,
    CupEligibilityChanged,
    InstructorCertified,
)
from reporting.domain.catalogue import INDICATORS

D = dt.date
OFFICERS = {
    "A": (15106, "municipal", "mujer"),
    "B": (15106, "municipal", "hombre"),
    "C": (15054, "municipal", "mujer"),
    "D": (15054, "estatal", "hombre"),
    "E": (15033, "municipal", "hombre"),
}


def oid(name: str) -> str:
    return "off_" + name.lower() * 32


def registered(name: str) -> OfficerRegistered:
    municipality, level, sex = OFFICERS[name]
    return OfficerRegistered(
        officer_id=oid(name),
        sex=sex,
        corporation="Policía",
        level=level,
        municipality=municipality,
        profile="proximidad",
        rank="policía",
        hire_year=2015,
    )


def course(course_id: str, training_type: str, theory: float, practice: float) -> CoursePublished:
    return CoursePublished(
        course_id=course_id,
        version=1,
        title=f"Curso {course_id}",
        training_type=training_type,
        programme_code="PRP",
        planned_theory_hours=theory,
        planned_practice_hours=practice,
    )


def offering(offering_id: str, course_id: str, instructor: str) -> OfferingScheduled:
    return OfferingScheduled(
        offering_id=offering_id,
        course_id=course_id,
        course_version=1,
        campus="toluca",
        starts_on=D(2026, 3, 1),
        ends_on=D(2026, 3, 31),
        capacity=30,
        instructors=(instructor,),
    )


def enrolled(enrolment: str, name: str, offering_id: str, course_id: str, day: dt.date) -> Any:
    return EnrolmentCreated(
        enrolment_id=enrolment,
        officer_id=oid(name),
        offering_id=offering_id,
        course_id=course_id,
        requested_by="academia",
        enrolled_on=day,
    )


def decided(
    kind: type,
    enrolment: str,
    name: str,
    offering_id: str,
    course_id: str,
    training_type: str,
    planned: tuple[float, float],
    delivered: tuple[float, float],
    day: dt.date,
) -> Any:
    extra = (
        {"certificate_id": f"CERT-{enrolment}"}
        if kind is EnrolmentCompleted
        else {"reason": "attendance"}
    )
    return kind(
        enrolment_id=enrolment,
        officer_id=oid(name),
        offering_id=offering_id,
        course_id=course_id,
        course_version=1,
        training_type=training_type,
        planned_theory_hours=planned[0],
        planned_practice_hours=planned[1],
        delivered_theory_hours=delivered[0],
        delivered_practice_hours=delivered[1],
        attendance_rate=0.9,
        decided_on=day,
        **extra,
    )


def attended(
    attendance: str,
    name: str,
    enrolment: str,
    offering_id: str,
    session: str,
    kind: str,
    day: dt.date,
    status: str,
    minutes: int,
) -> AttendanceRecorded:
    return AttendanceRecorded(
        attendance_id=attendance,
        enrolment_id=enrolment,
        officer_id=oid(name),
        offering_id=offering_id,
        session_id=session,
        session_type=kind,
        session_date=day,
        planned_minutes=240,
        status=status,
        minutes=minutes,
    )


def evaluated(name: str, competency: str, attempt: int, passed: bool, day: dt.date) -> Any:
    return CompetencyEvaluated(
        officer_id=oid(name),
        catalogue_version="2020",
        competency=competency,
        knowledge_score=80 if passed else 50,
        practical_result="cumple" if passed else "no_cumple",
        passed=passed,
        attempt=attempt,
        evaluator_id="I1",
        evaluated_on=day,
    )


def result(name: str, kind: str, score: float, passed: bool) -> AssessmentResultRecorded:
    return AssessmentResultRecorded(
        officer_id=oid(name),
        assessment_type=kind,
        score=score,
        scale_max=100,
        passed=passed,
        instrument_version="ED-2026",
        evaluated_on=D(2026, 3, 1),
    )


def status(
    name: str, component: str, value: str, changed: dt.date, until: dt.date | None
) -> CupComponentStatusChanged:
    return CupComponentStatusChanged(
        officer_id=oid(name),
        component=component,
        status=value,
        previous_status="sin_evaluacion",
        valid_from=changed,
        valid_until=until,
        changed_on=changed,
        source="test",
    )


def feedback(
    offering_id: str, instructor: str, relevance: int, balance: str, rating: int, day: dt.date
) -> CourseFeedbackSubmitted:
    return CourseFeedbackSubmitted(
        offering_id=offering_id,
        instructor_id=instructor,
        relevance=relevance,
        theory_practice_balance=balance,
        instructor_rating=rating,
        submitted_on=day,
    )


C1 = ("C1", "actualizacion", (10, 30))
C2 = ("C2", "especializacion", (20, 20))
WORLD: list[list[Any]] = [
    [registered(n) for n in OFFICERS]
    + [course("C1", "actualizacion", 10, 30), course("C2", "especializacion", 20, 20)]
    + [offering("O1", "C1", "I1"), offering("O2", "C2", "I2")],
    [
        enrolled("e1", "A", "O1", "C1", D(2026, 1, 10)),
        enrolled("e2", "B", "O1", "C1", D(2026, 1, 12)),
        enrolled("e3", "C", "O1", "C1", D(2026, 2, 3)),
        enrolled("e4", "D", "O2", "C2", D(2026, 2, 5)),
        enrolled("e5", "E", "O2", "C2", D(2026, 4, 1)),
        EnrolmentWithdrawn(
            enrolment_id="e2",
            officer_id=oid("B"),
            offering_id="O1",
            reason="transfer",
            withdrawn_on=D(2026, 2, 1),
        ),
        decided(
            EnrolmentCompleted,
            "e1",
            "A",
            "O1",
            "C1",
            "actualizacion",
            (10, 30),
            (12, 26),
            D(2026, 3, 20),
        ),
        decided(
            EnrolmentFailed,
            "e3",
            "C",
            "O1",
            "C1",
            "actualizacion",
            (10, 30),
            (8, 20),
            D(2026, 3, 20),
        ),
        decided(
            EnrolmentCompleted,
            "e4",
            "D",
            "O2",
            "C2",
            "especializacion",
            (20, 20),
            (30, 10),
            D(2026, 3, 25),
        ),
    ],
    [
        attended("a1", "A", "e1", "O1", "S1", "teoria", D(2026, 3, 2), "present", 240),
        attended("a2", "A", "e1", "O1", "S2", "practica", D(2026, 3, 9), "present", 240),
        attended("c1", "C", "e3", "O1", "S1", "teoria", D(2026, 3, 2), "absent", 0),
        attended("c2", "C", "e3", "O1", "S2", "practica", D(2026, 3, 9), "late", 200),
        attended("d1", "D", "e4", "O2", "T1", "teoria", D(2026, 3, 3), "present", 300),
    ],
    [
        evaluated("A", "armamento_y_tiro", 1, False, D(2026, 2, 10)),
        evaluated("A", "armamento_y_tiro", 2, True, D(2026, 3, 10)),
        evaluated("A", "radiocomunicacion", 1, True, D(2026, 2, 10)),
        evaluated("B", "armamento_y_tiro", 1, True, D(2026, 2, 11)),
        evaluated("C", "armamento_y_tiro", 1, False, D(2026, 2, 12)),
        evaluated("D", "radiocomunicacion", 1, True, D(2026, 2, 12)),
        result("A", "desempeno", 85, True),
        result("B", "desempeno", 55, False),
        result("C", "desempeno", 72, True),
        result("D", "control_confianza", 0, True),  # never reaches the feed as such
    ],
    [
        status("A", "FI", "aprobatoria_vigente", D(2025, 6, 1), None),
        status("A", "C3", "aprobatoria_vigente", D(2023, 5, 1), D(2026, 4, 30)),
        status("A", "C3", "aprobatoria_vigente", D(2026, 4, 20), D(2029, 4, 19)),
        status("B", "FI", "aprobatoria_vigente", D(2024, 1, 1), None),
        status("C", "CB", "aprobatoria_vigente", D(2024, 2, 1), D(2027, 1, 31)),
        status("D", "ED", "aprobatoria_vigente", D(2023, 3, 1), D(2026, 2, 28)),
        CupEligibilityChanged(
            officer_id=oid("A"),
            eligible=True,
            missing_components=(),
            earliest_expiry=D(2026, 4, 30),
            changed_on=D(2026, 1, 15),
        ),
        CertificationExpiring(
            officer_id=oid("A"),
            component="C3",
            valid_until=D(2026, 4, 30),
            days_left=90,
            alerted_on=D(2026, 1, 30),
        ),
        CertificationExpiring(
            officer_id=oid("A"),
            component="C3",
            valid_until=D(2026, 4, 30),
            days_left=30,
            alerted_on=D(2026, 3, 31),
        ),
        OfficerAssignmentChanged(
            officer_id=oid("E"),
            status="baja",
            rank="policía",
            corporation="Policía",
            level="municipal",
            municipality=15033,
            reason="baja",
            effective_on=D(2026, 4, 15),
        ),
    ],
    [
        InstructorCertified(
            instructor_id="I1",
            competencies=("armamento_y_tiro", "radiocomunicacion"),
            valid_from=D(2025, 12, 1),
            valid_until=D(2028, 11, 30),
        ),
        InstructorCertified(
            instructor_id="I2",
            competencies=("armamento_y_tiro",),
            valid_from=D(2026, 3, 10),
            valid_until=D(2029, 3, 9),
        ),
        feedback("O1", "I1", 4, "balanced", 5, D(2026, 3, 21)),
        feedback("O1", "I1", 2, "too_theoretical", 3, D(2026, 3, 22)),
        feedback("O2", "I2", 5, "too_practical", 4, D(2026, 5, 5)),
    ],
]

S, TOLUCA, METEPEC = "state:15", "municipality:15106", "municipality:15054"
EXPECTED: dict[str, tuple[float | None, int | None, int | None]] = {
    # key: (value, numerator, denominator)
    f"training.enrolments:2026-01:{S}": (2, 2, None),
    f"training.enrolments:2026-Q1:{S}": (4, 4, None),
    f"training.enrolments:2026:{S}": (5, 5, None),
    f"training.enrolments:2026-01:{TOLUCA}:sex:mujer": (1, 1, None),
    f"training.enrolments:2026-Q1:{METEPEC}": (2, 2, None),
    f"training.enrolments:2026-Q1:{S}:level:municipal": (3, 3, None),
    f"training.enrolments:2026-Q1:{S}:level:estatal:sex:hombre": (1, 1, None),
    f"training.completions:2026-Q1:{S}": (2, 2, None),
    f"training.completion_rate:2026-Q1:{S}": (0.5, 2, 4),
    f"training.dropout_rate:2026-Q1:{S}": (0.25, 1, 4),
    f"training.completion_rate:2026-Q1:{S}:course:C1": (0.3333, 1, 3),
    f"training.dropout_rate:2026-02:{TOLUCA}": (1.0, 1, 1),
    f"training.completion_rate:2026-Q1:{S}:training_type:especializacion": (1.0, 1, 1),
    f"training.hours_delivered_share:2026-Q1:{S}": (0.8833, 6360, 7200),
    f"training.theory_share_planned:2026-Q1:{S}": (0.3333, 2400, 7200),
    f"training.theory_share_delivered:2026-Q1:{S}": (0.4717, 3000, 6360),
    f"training.theory_share_planned:2026-Q1:{S}:course:C1": (0.25, 1200, 4800),
    f"training.theory_share_delivered:2026-Q1:{S}:course:C1": (0.303, 1200, 3960),
    f"training.theory_share_delivered:2026-Q1:{S}:course:C2": (0.75, 1800, 2400),
    f"training.attendance_rate:2026-03:{S}": (0.8, 4, 5),
    f"training.attendance_rate:2026-03:{METEPEC}": (0.6667, 2, 3),
    f"training.officers_trained:2026-03:{S}": (3, 3, None),
    f"training.hours_per_officer:2026-03:{S}": (5.44, 980, 3),
    f"competency.pass_rate:2026-Q1:{S}": (0.6667, 4, 6),
    f"competency.pass_rate:2026-Q1:{S}:competency:armamento_y_tiro": (0.5, 2, 4),
    f"competency.pass_rate:2026-Q1:{S}:competency:radiocomunicacion": (1.0, 2, 2),
    f"competency.first_attempt_pass_rate:2026-Q1:{S}": (0.6, 3, 5),
    f"competency.first_attempt_pass_rate:2026-Q1:{S}:competency:armamento_y_tiro": (0.3333, 1, 3),
    f"competency.reevaluations:2026-Q1:{S}": (1, 1, None),
    f"competency.reevaluations:2026-02:{S}": (0, 0, None),
    f"performance.pass_rate:2026-03:{S}": (0.6667, 2, 3),
    f"performance.evaluations:2026-03:{S}:band:80-89": (1, 1, None),
    f"performance.evaluations:2026-03:{S}:band:0-59": (1, 1, None),
    f"cup.coverage.fi:2026-03:{S}": (0.4, 2, 5),
    f"cup.coverage.c3:2026-03:{S}": (0.2, 1, 5),
    f"cup.coverage.cb:2026-03:{S}": (0.2, 1, 5),
    f"cup.coverage.ed:2026-03:{S}": (0.0, 0, 5),
    f"cup.coverage.ed:2026-01:{S}": (0.2, 1, 5),
    f"cup.coverage.c3:2026-Q1:{S}": (0.2, 1, 5),
    f"cup.coverage.c3:2026-04:{S}": (0.25, 1, 4),
    # E counts until the baja (ADR 0095): in March, not from April
    "cup.coverage.fi:2026-03:municipality:15033": (0.0, 0, 1),
    f"cup.coverage.c3:2026-03:{TOLUCA}": (0.5, 1, 2),
    f"cup.eligibility:2026-03:{S}": (0.2, 1, 5),
    f"cup.eligibility:2026-05:{S}": (0.0, 0, 4),
    f"expiry.pipeline:2026-03:{S}": (0.2, 1, 5),
    f"expiry.pipeline:2026-03:{TOLUCA}": (0.5, 1, 2),
    f"expiry.pipeline:2026-04:{S}": (0.0, 0, 4),
    f"expiry.reevaluated_before_expiry:2026-02:{S}": (0.0, 0, 1),
    f"expiry.reevaluated_before_expiry:2026-04:{S}": (1.0, 1, 1),
    f"expiry.reevaluated_before_expiry:2026:{S}": (0.5, 1, 2),
    f"expiry.reevaluated_before_expiry:2026:{S}:component:ED": (0.0, 0, 1),
    f"expiry.alerts:2026-Q1:{S}": (2, 2, None),
    f"expiry.alerts:2026-Q1:{S}:window:30": (1, 1, None),
    f"cascade.officers_trained:2026-03:{S}": (1, 1, None),
    f"cascade.officers_trained:2026-03:{TOLUCA}": (1, 1, None),
    f"cascade.municipality_coverage:2026-03:{S}": (0.008, 1, 125),
    f"instructors.certified:2026-02:{S}": (1, 1, None),
    f"instructors.certified:2025-12:{S}": (1, 1, None),
    f"instructors.certified:2026-03:{S}": (2, 2, None),
    f"instructors.certified:2026-03:{S}:competency:radiocomunicacion": (1, 1, None),
    f"instructors.officers_per_instructor:2026-03:{S}": (1.5, 3, 2),
    f"feedback.relevance:2026-03:{S}": (3.0, 6, 2),
    f"feedback.instructor_rating:2026-03:{S}": (4.0, 8, 2),
    f"feedback.balanced_share:2026-03:{S}:course:C1": (0.5, 1, 2),
    f"feedback.too_theoretical_share:2026-03:{S}:instructor:I1": (0.5, 1, 2),
    f"feedback.relevance:2026-Q2:{S}:course:C2": (5.0, 5, 1),
}
ABSENT = [
    # a withdrawn-only cell has no delivered hours: the share is undefined, not 0
    f"training.theory_share_delivered:2026-02:{S}",
    # reporting keeps no trust-control (C3) result as such
    f"performance.pass_rate:2026-03:{S}:band:0-59",
    # E left ('baja' from 04-15): stocks count the officers active on a period's last day
    "cup.coverage.fi:2026-04:municipality:15033",
    # the estatal officer D completed O2, but the cascade counts municipal officers
    f"cascade.officers_trained:2026-03:{METEPEC}",
]


@pytest.fixture
def world(feed):
    for batch in WORLD:
        feed.send(*batch)
    return feed


def test_every_indicator_matches_its_hand_computed_value(world) -> None:
    cells = world.cells()
    wrong = {}
    for key, (value, numerator, denominator) in sorted(EXPECTED.items()):
        cell = cells.get(key)
        got = None if cell is None else (cell.value, cell.numerator, cell.denominator)
        if cell is None or cell.suppressed or got != (pytest.approx(value), numerator, denominator):
            wrong[key] = f"expected {(value, numerator, denominator)}, got {got}"
    assert not wrong, "\n".join(f"{k}: {v}" for k, v in wrong.items())
    published = [key for key in ABSENT if key in cells]
    assert not published, f"published but should not be: {published}"


def test_state_cells_are_the_sum_of_their_municipalities(world) -> None:
    cells = world.cells("training.enrolments")
    for period in ("2026-01", "2026-Q1", "2026"):
        parts = [
            c.value
            for c in cells.values()
            if c.period == period and c.geography != S and c.breakdown == "all"
        ]
        assert sum(parts) == cells[f"training.enrolments:{period}:{S}"].value
    assert {c.indicator for c in world.cells().values()} >= {
        i.code for i in INDICATORS if not i.code.startswith("findings.")
    }, "every indicator but the findings' has a figure in this world"


def test_every_cell_carries_the_time_of_its_latest_fact_not_the_clock(world) -> None:
    cell = world.cell(f"training.enrolments:2026-01:{S}")
    later = world.cell(f"training.enrolments:2026:{S}")
    assert cell is not None
    assert later is not None
    assert cell.as_of < later.as_of  # e5 (April) was recorded after e1 and e2


def test_rules_raise_the_findings_the_published_figures_show(world) -> None:
    raised = world.findings()
    assert set(raised) >= {
        "tp-balance:2026-Q1:C2",  # delivered theory 0.75 against 0.50 planned
        "pass-floor:2026-Q1:armamento_y_tiro",  # 0.50 < 0.70
        "expiry-backlog:2026-Q1:15106",  # Toluca 0.50 > 0.25
    }
    assert "expiry-backlog:2026-Q1:15" not in raised  # the state's 0.25 is not above 0.25
    assert "tp-balance:2026-Q1:C1" not in raised  # 0.30 against 0.25: within the tolerance
    assert not any(f.startswith("untrained:") for f in raised)  # both trained in 2026-Q1
    c2 = raised["tp-balance:2026-Q1:C2"]
    assert (c2.origin, c2.status, c2.scope, c2.severity) == ("rule", "open", "course", "high")
    assert "0.75" in c2.evidence
