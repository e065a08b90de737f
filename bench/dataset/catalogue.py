"""UMS's course catalogue (every training type of the Programa Rector) and its offerings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

SESSION_MINUTES = 480
"""A training day: eight hours."""


@dataclass(frozen=True, slots=True)
class Course:
    course_id: str
    title: str
    training_type: str
    theory_hours: int
    practice_hours: int
    capacity: int
    competencies: tuple[str, ...] = ()
    profile: str | None = None
    """The officer profile a specialisation is for; None: anyone."""

    def publication(self) -> dict[str, object]:
        """The body of ``PublishCourse``."""
        return {
            "course_id": self.course_id,
            "version": 1,
            "title": self.title,
            "training_type": self.training_type,
            "programme_code": f"PRP-{self.training_type.upper().replace('_', '-')}",
            "planned_theory_hours": self.theory_hours,
            "planned_practice_hours": self.practice_hours,
            "competencies": list(self.competencies),
        }


def _course(
    code: str,
    title: str,
    kind: str,
    theory: int,
    practice: int,
    capacity: int,
    competencies: tuple[str, ...] = (),
    profile: str | None = None,
) -> Course:
    return Course(f"UMS-{code}", title, kind, theory, practice, capacity, competencies, profile)


INITIAL = _course(
    "FI", "Formación inicial para policía preventivo", "formacion_inicial", 600, 372, 50
)
EQUIVALENT = _course(
    "FIE", "Formación inicial equivalente", "formacion_inicial_equivalente", 300, 186, 40
)
REFRESHERS = (
    _course("ACT-PR", "Primer respondiente", "actualizacion", 16, 24, 30, ("primer respondiente",)),
    _course("ACT-UF", "Uso legítimo de la fuerza", "actualizacion", 20, 20, 30),
    _course("ACT-DH", "Derechos humanos y actuación policial", "actualizacion", 32, 8, 30),
    _course("ACT-IPH", "Informe policial homologado", "actualizacion", 28, 12, 30),
    _course("ACT-CC", "Cadena de custodia", "actualizacion", 24, 16, 30),
    _course("ACT-PS", "Proximidad social", "actualizacion", 30, 10, 30),
    _course("ACT-AT", "Armamento y tiro", "actualizacion", 10, 30, 30, ("armamento y tiro",)),
    _course("ACT-CV", "Conducción de vehículos policiales", "actualizacion", 12, 28, 30,
            ("conducción de vehículos",)),
)  # fmt: skip
_ESP = "especializacion"
SPECIALISATIONS = (
    _course("ESP-INV", "Investigación policial", _ESP, 80, 40, 25, (), "investigacion"),
    _course("ESP-REA", "Grupos de reacción", _ESP, 40, 80, 25, (), "reaccion"),
    _course("ESP-CUS", "Custodia penitenciaria", _ESP, 60, 60, 25, (), "custodio"),
    _course("ESP-GEN", "Atención a víctimas con perspectiva de género", _ESP, 80, 40, 25, (),
            "proximidad"),
)  # fmt: skip
PROMOTIONS = (
    _course("PROM-SUB", "Promoción a suboficial", "promocion", 40, 20, 25),
    _course("PROM-OF", "Promoción a oficial", "promocion", 40, 20, 25),
)
SENIOR = _course("AD-01", "Alta dirección policial", "alta_direccion", 100, 20, 20)
COURSES: tuple[Course, ...] = (
    INITIAL, EQUIVALENT, *REFRESHERS, *SPECIALISATIONS, *PROMOTIONS, SENIOR,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Session:
    session_id: str
    session_type: str
    date: dt.date
    planned_minutes: int


@dataclass(frozen=True, slots=True)
class Offering:
    offering_id: str
    course: Course
    campus: str
    starts_on: dt.date
    sessions: tuple[Session, ...]
    instructors: tuple[str, ...]
    target_municipalities: tuple[int, ...]

    @property
    def ends_on(self) -> dt.date:
        return self.sessions[-1].date

    def schedule(self) -> dict[str, object]:
        """The body of ``ScheduleOffering``."""
        return {
            "offering_id": self.offering_id,
            "course_id": self.course.course_id,
            "course_version": 1,
            "campus": self.campus,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
            "capacity": self.course.capacity,
            "instructors": list(self.instructors),
            "target_municipalities": list(self.target_municipalities),
            "sessions": [
                {
                    "session_id": s.session_id,
                    "session_type": s.session_type,
                    "date": s.date.isoformat(),
                    "planned_minutes": s.planned_minutes,
                }
                for s in self.sessions
            ],
        }


def weekdays_from(start: dt.date, count: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def _blocks(hours: int) -> list[int]:
    """Minutes of each training day for ``hours`` hours: full days, then the remainder."""
    full, rest = divmod(hours * 60, SESSION_MINUTES)
    return [SESSION_MINUTES] * full + ([rest] if rest else [])


def plan_sessions(course: Course, start: dt.date) -> tuple[Session, ...]:
    """Theory first, then practice, one session a weekday."""
    blocks = [("teoria", m) for m in _blocks(course.theory_hours)] + [
        ("practica", m) for m in _blocks(course.practice_hours)
    ]
    days = weekdays_from(start, len(blocks))
    return tuple(
        Session(f"S{n:03d}", kind, day, minutes)
        for n, ((kind, minutes), day) in enumerate(zip(blocks, days, strict=True), start=1)
    )


def duration_days(course: Course) -> int:
    """Calendar days an offering of ``course`` lasts (weekdays only)."""
    sessions = len(_blocks(course.theory_hours)) + len(_blocks(course.practice_hours))
    return (sessions // 5) * 7 + sessions % 5 + 2
