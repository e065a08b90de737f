"""Completion: hours actually delivered and attendance rate, decided against thresholds
(ADR 0076).

An officer completes when the delivered theory hours and the delivered practice hours each
reach their share of the course's plan (default 80 %), and the sessions attended reach theirs.
A justified absence is excused from the attendance rule but delivers no hours, so an
all-justified register, or one late minute at every session, completes nothing.

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
"""A justified absence is excused: it counts towards the attendance rate, not the hours."""
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


@dataclass(frozen=True)
class Plan:
    """The course's planned hours, which the offering's sessions add up to."""

    theory_hours: float
    practice_hours: float


@dataclass(frozen=True)
class CompletionRule:
    attendance: Fraction
    """Share of the planned sessions attended (justified absences excused)."""
    hours: Fraction
    """Share of the planned theory hours, and of the planned practice hours, delivered."""


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


def decide(delivery: Delivery, plan: Plan, rule: CompletionRule) -> Decision:
    rate = delivery.attendance_rate
    attended = delivery.planned_sessions > 0 and rate >= rule.attendance
    delivered = _reaches(delivery.theory_minutes, plan.theory_hours, rule.hours) and _reaches(
        delivery.practice_minutes, plan.practice_hours, rule.hours
    )
    completed = attended and delivered
    reason = None
    if not attended:
        reason = _why_not_attended(delivery, rule.attendance)
    elif not delivered:
        reason = _why_not_delivered(delivery, plan, rule.hours)
    return Decision(
        completed=completed,
        attendance_rate=round(float(rate), 4),
        delivered_theory_hours=_hours(delivery.theory_minutes),
        delivered_practice_hours=_hours(delivery.practice_minutes),
        reason=reason,
    )


def _reaches(minutes: int, planned_hours: float, share: Fraction) -> bool:
    return Fraction(minutes) >= share * threshold(planned_hours) * 60


def _hours(minutes: int) -> float:
    return round(minutes / 60, 2)


def _why_not_delivered(delivery: Delivery, plan: Plan, share: Fraction) -> str:
    def part(minutes: int, planned: float, kind: str) -> str:
        of = f"{_hours(minutes):g} of {planned:g} {kind} hours"
        return f"{of} ({minutes / (planned * 60) if planned else 1:.0%})"

    return (
        f"delivered {part(delivery.theory_minutes, plan.theory_hours, 'theory')} and "
        f"{part(delivery.practice_minutes, plan.practice_hours, 'practice')}; "
        f"{float(share):.0%} of each required"
    )


def _why_not_attended(delivery: Delivery, required: Fraction) -> str:
    if delivery.planned_sessions == 0:
        return "the offering had no planned sessions to attend"
    return (
        f"attended {delivery.attended_sessions} of {delivery.planned_sessions} sessions "
        f"({float(delivery.attendance_rate):.0%}); {float(required):.0%} required"
    )
