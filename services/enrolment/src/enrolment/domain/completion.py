"""Completion: hours actually delivered and attendance rate, decided against a threshold.

Arithmetic is exact (fractions) so that a rate sitting on the threshold is never lost to
floating-point rounding.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .attendance import AttendanceStatus, Mark
from .offerings import Session, SessionType

ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE, AttendanceStatus.JUSTIFIED})
"""A justified absence is excused: it counts towards the attendance rate."""
TAUGHT = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})
"""Only time in the room is training received: justified absences deliver no hours."""


@dataclass(frozen=True)
class Delivery:
    theory_minutes: int
    practice_minutes: int
    attended_sessions: int
    planned_sessions: int

    @property
    def attendance_rate(self) -> Fraction:
        if self.planned_sessions == 0:
            return Fraction(0)
        return Fraction(self.attended_sessions, self.planned_sessions)


@dataclass(frozen=True)
class Decision:
    completed: bool
    attendance_rate: float
    delivered_theory_hours: float
    delivered_practice_hours: float
    reason: str | None = None


def threshold(value: float) -> Fraction:
    """The setting as an exact fraction: 0.8 is 4/5, not 0.8000000000000000444."""
    return Fraction(str(value))


def tally(sessions: Sequence[Session], marks: Iterable[tuple[str, Mark]]) -> Delivery:
    """Add up one officer's current marks (session id, mark) over the offering's sessions.

    A session without a mark counts as missed. Minutes above a session's plan are not
    credited: delivered hours never exceed what the session offered.
    """
    by_id = {s.session_id: s for s in sessions}
    minutes = {SessionType.TEORIA: 0, SessionType.PRACTICA: 0}
    attended = 0
    for session_id, mark in marks:
        session = by_id.get(session_id)
        if session is None:
            continue
        if mark.status in ATTENDED:
            attended += 1
        if mark.status in TAUGHT:
            minutes[session.session_type] += min(mark.minutes, session.planned_minutes)
    return Delivery(
        minutes[SessionType.TEORIA], minutes[SessionType.PRACTICA], attended, len(by_id)
    )


def decide(delivery: Delivery, required: Fraction) -> Decision:
    rate = delivery.attendance_rate
    completed = delivery.planned_sessions > 0 and rate >= required
    return Decision(
        completed=completed,
        attendance_rate=round(float(rate), 4),
        delivered_theory_hours=_hours(delivery.theory_minutes),
        delivered_practice_hours=_hours(delivery.practice_minutes),
        reason=None if completed else _why_failed(delivery, required),
    )


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _why_failed(delivery: Delivery, required: Fraction) -> str:
    if delivery.planned_sessions == 0:
        return "the offering had no planned sessions to attend"
    return (
        f"attended {delivery.attended_sessions} of {delivery.planned_sessions} sessions "
        f"({float(delivery.attendance_rate):.0%}); {float(required):.0%} required"
    )
