"""Two courses of different training types, and three offerings with their sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from convenio_contracts.enrolment import (
    CloseOffering,
    PlannedSession,
    PublishCourse,
    RegisterOfficer,
    ScheduleOffering,
)

COMPETENCIES_2020 = (
    "acondicionamiento_fisico_y_defensa_policial",
    "armamento_y_tiro",
    "conduccion_de_vehiculos",
    "detencion_y_conduccion_de_personas",
    "baston_pr_24",
    "radiocomunicacion",
    "primer_respondiente",
)
"""The 2020 catalogue of basic competencies, by the evaluation service's codes."""


@dataclass(frozen=True)
class Course:
    course_id: str
    title: str
    training_type: str
    pattern: str
    """One letter per planned session: ``t`` teoría, ``p`` práctica."""
    minutes: int
    """Planned minutes of each session; the course's planned hours are the sessions' sum."""
    competencies: tuple[str, ...] = ()

    def hours(self, kind: str) -> float:
        return self.pattern.count(kind) * self.minutes / 60

    def command(self) -> PublishCourse:
        return PublishCourse(
            course_id=self.course_id,
            version=1,
            title=self.title,
            training_type=self.training_type,
            programme_code="PRP-2026",
            planned_theory_hours=self.hours("t"),
            planned_practice_hours=self.hours("p"),
            competencies=self.competencies,
        )


FIE = Course(
    "UMS-FIE-2026",
    "Formación inicial equivalente para policías en activo",
    "formacion_inicial_equivalente",
    ("tttttt" + "pppp") * 6,  # 540 hours: 324 of theory, 216 of practice; FI needs 486 of them
    540,
    COMPETENCIES_2020,
)
PR24 = Course(
    "UMS-ACT-PR24",
    "Uso del bastón PR-24 (actualización)",
    "actualizacion",
    "tt" + "p" * 8,  # 8 hours of theory, 32 of practice
    240,
    ("baston_pr_24", "detencion_y_conduccion_de_personas"),
)


@dataclass(frozen=True)
class Offering:
    offering_id: str
    course: Course
    campus: str
    starts_days_ago: int
    instructors: tuple[str, ...]
    cohort: Callable[[RegisterOfficer], bool]
    failing: int
    """Officers whose register leaves them below the completion threshold."""
    withdrawn: int = 0
    """Officers who leave after the third session."""
    corrected: int = 0
    """Officers with one mark corrected (void, then a new record)."""

    def sessions(self, today: dt.date) -> tuple[PlannedSession, ...]:
        """One session a working day from the start."""
        day, out = today - dt.timedelta(days=self.starts_days_ago), []
        for i, kind in enumerate(self.course.pattern):
            while day.weekday() >= 5:
                day += dt.timedelta(days=1)
            out.append(
                PlannedSession(
                    session_id=f"S{i + 1:02d}",
                    session_type="teoria" if kind == "t" else "practica",
                    date=day,
                    planned_minutes=self.course.minutes,
                )
            )
            day += dt.timedelta(days=1)
        return tuple(out)

    def closed_on(self, today: dt.date) -> dt.date:
        return self.sessions(today)[-1].date

    def command(self, today: dt.date, officers: Sequence[RegisterOfficer]) -> ScheduleOffering:
        sessions = self.sessions(today)
        return ScheduleOffering(
            offering_id=self.offering_id,
            course_id=self.course.course_id,
            course_version=1,
            campus=self.campus,
            starts_on=sessions[0].date,
            ends_on=sessions[-1].date,
            capacity=30,
            instructors=self.instructors,
            target_municipalities=tuple(sorted({o.municipality for o in officers})),
            sessions=sessions,
        )

    def close(self, today: dt.date) -> CloseOffering:
        return CloseOffering(
            offering_id=self.offering_id,
            course_id=self.course.course_id,
            closed_on=self.closed_on(today),
        )


OFFERINGS = (
    Offering(
        "UMS-FIE-2026-TOL",
        FIE,
        "toluca",
        150,
        ("INS-UMS-01", "INS-UMS-02"),
        lambda o: o.level == "municipal" and o.municipality in (15106, 15057, 15116),
        failing=3,
        corrected=1,
    ),
    Offering(
        "UMS-ACT-PR24-2026-TOL",
        PR24,
        "toluca",
        63,
        ("INS-UMS-03",),
        lambda o: o.level == "estatal",
        failing=1,
    ),
    Offering(
        "UMS-ACT-PR24-2026-NEZ",
        PR24,
        "nezahualcoyotl",
        56,
        ("INS-NEZ-01", "INS-NEZ-02"),
        lambda o: o.level == "municipal" and o.municipality in (15033, 15058),
        failing=2,
        withdrawn=1,
    ),
)
COURSES = (FIE, PR24)


def cohort(offering: Offering, officers: Sequence[RegisterOfficer]) -> list[RegisterOfficer]:
    return [o for o in officers if offering.cohort(o)]
