"""Courses and offerings: what is planned, and the checks a schedule must pass."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from .refusals import RefusalReason, Refused


class SessionType(StrEnum):
    TEORIA = "teoria"
    PRACTICA = "practica"


@dataclass(frozen=True)
class Session:
    session_id: str
    session_type: SessionType
    date: dt.date
    planned_minutes: int


@dataclass(frozen=True)
class Course:
    course_id: str
    version: int
    training_type: str
    planned_theory_hours: float
    planned_practice_hours: float


@dataclass(frozen=True)
class Offering:
    offering_id: str
    course_id: str
    course_version: int
    capacity: int
    starts_on: dt.date
    ends_on: dt.date
    closed_on: dt.date | None = None

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


def check_schedule(starts_on: dt.date, ends_on: dt.date, sessions: Sequence[Session]) -> None:
    """Refuse a schedule whose sessions cannot belong to it."""
    repeated = sorted(sid for sid, n in Counter(s.session_id for s in sessions).items() if n > 1)
    if repeated:
        raise Refused(RefusalReason.INVALID_REQUEST, f"session ids repeated: {', '.join(repeated)}")
    outside = [s.session_id for s in sessions if not starts_on <= s.date <= ends_on]
    if outside:
        raise Refused(
            RefusalReason.SESSION_OUTSIDE_OFFERING,
            f"sessions {', '.join(outside)} fall outside {starts_on}..{ends_on}",
        )


def check_plan(course: Course, sessions: Sequence[Session]) -> None:
    """Refuse an offering whose sessions do not add up to its course's planned theory and
    practice hours: hours delivered against planned mean nothing otherwise."""
    minutes = {SessionType.TEORIA: 0, SessionType.PRACTICA: 0}
    for s in sessions:
        minutes[s.session_type] += s.planned_minutes
    theory, practice = (
        Fraction(minutes[t], 60) for t in (SessionType.TEORIA, SessionType.PRACTICA)
    )
    planned = (
        Fraction(str(course.planned_theory_hours)),
        Fraction(str(course.planned_practice_hours)),
    )
    if (theory, practice) != planned:
        raise Refused(
            RefusalReason.INVALID_REQUEST,
            f"the sessions add up to {float(theory):g} h of theory and {float(practice):g} h of "
            f"practice; course {course.course_id} v{course.version} plans "
            f"{course.planned_theory_hours:g} h of theory and "
            f"{course.planned_practice_hours:g} h of practice",
        )


def check_close(offering: Offering | None, course_id: str, closed_on: dt.date) -> bool:
    """True when the offering is to be closed now; False when this close was already done."""
    if offering is None:
        raise Refused(RefusalReason.UNKNOWN_OFFERING, "no offering with that id is scheduled")
    if offering.course_id != course_id:
        raise Refused(
            RefusalReason.INVALID_REQUEST,
            f"offering {offering.offering_id} is of course {offering.course_id}, not {course_id}",
        )
    if offering.closed_on == closed_on:
        return False
    if offering.is_closed:
        raise Refused(RefusalReason.OFFERING_CLOSED, f"offering closed on {offering.closed_on}")
    return True
