"""Two small histories built to show the attacks the demo story does not happen to expose: a
course hidden within its training type (nested breakdowns), and one figure reached through two
indicators (training.officers_trained and instructors.officers_per_instructor)."""

from __future__ import annotations

import datetime as dt

from convenio_contracts import Event
from convenio_contracts.enrolment import (
    AttendanceRecorded,
    CoursePublished,
    EnrolmentCompleted,
    EnrolmentCreated,
    OfferingScheduled,
    OfficerRegistered,
)
from convenio_contracts.evaluation import InstructorCertified

D = dt.date
TOLUCA = 15106


def _officer(i: int, municipality: int = TOLUCA) -> OfficerRegistered:
    return OfficerRegistered(
        officer_id=f"off_{i:032x}",
        sex="mujer" if i % 2 else "hombre",
        corporation="Policía",
        level="municipal",
        municipality=municipality,
        profile="proximidad",
        rank="policía",
        hire_year=2015,
    )


def _course(course_id: str, training_type: str) -> list[Event]:
    return [
        CoursePublished(
            course_id=course_id,
            version=1,
            title=f"Curso {course_id}",
            training_type=training_type,
            programme_code="PRP",
            planned_theory_hours=10,
            planned_practice_hours=10,
        ),
        OfferingScheduled(
            offering_id=f"O-{course_id}",
            course_id=course_id,
            course_version=1,
            campus="toluca",
            starts_on=D(2026, 1, 5),
            ends_on=D(2026, 3, 31),
            capacity=60,
            instructors=("I1",),
        ),
    ]


def nested_courses() -> list[Event]:
    """actualizacion: A (20 completions) and C (2); especializacion: D (6) and E (30). C is
    withheld; the course sum takes D, the smallest visible course, as its complement; but
    actualizacion = A + C gives C."""
    courses = {
        "A": ("actualizacion", 20),
        "C": ("actualizacion", 2),
        "D": ("especializacion", 6),
        "E": ("especializacion", 30),
    }
    events: list[Event] = []
    n = 0
    for course_id, (kind, completions) in courses.items():
        events += _course(course_id, kind)
        for _ in range(completions):
            events.append(_officer(n, TOLUCA + n % 3))
            enrolment = f"E{n}"
            events.append(
                EnrolmentCreated(
                    enrolment_id=enrolment,
                    officer_id=f"off_{n:032x}",
                    offering_id=f"O-{course_id}",
                    course_id=course_id,
                    requested_by="academia",
                    enrolled_on=D(2026, 1, 5),
                )
            )
            events.append(
                EnrolmentCompleted(
                    enrolment_id=enrolment,
                    officer_id=f"off_{n:032x}",
                    offering_id=f"O-{course_id}",
                    course_id=course_id,
                    course_version=1,
                    training_type=kind,
                    planned_theory_hours=10,
                    planned_practice_hours=10,
                    delivered_theory_hours=10,
                    delivered_practice_hours=10,
                    attendance_rate=1.0,
                    decided_on=D(2026, 3, 31),
                    certificate_id=f"CERT-{enrolment}",
                )
            )
            n += 1
    return events


def two_indicators() -> list[Event]:
    """Six certified instructors; officers trained in January (6), February (2) and March
    (30): February is withheld, January is its complement in the quarter, and
    instructors.officers_per_instructor shows January's 6."""
    events: list[Event] = [
        *(
            InstructorCertified(
                instructor_id=f"I{i}",
                competencies=("armamento_y_tiro",),
                valid_from=D(2025, 12, 1),
                valid_until=D(2028, 11, 30),
            )
            for i in range(1, 7)
        ),
        *_course("P", "actualizacion"),
    ]
    n = 0
    for month, trained in ((1, 6), (2, 2), (3, 30)):
        for _ in range(trained):
            events.append(_officer(n, TOLUCA + n % 2))
            events.append(
                AttendanceRecorded(
                    attendance_id=f"A{n}",
                    enrolment_id=f"E{n}",
                    officer_id=f"off_{n:032x}",
                    offering_id="O-P",
                    session_id=f"S{month}",
                    session_type="teoria",
                    session_date=D(2026, month, 15),
                    planned_minutes=240,
                    status="present",
                    minutes=240,
                )
            )
            n += 1
    return events
