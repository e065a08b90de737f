"""Hours and attendance arithmetic, and the completion threshold at its boundary."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest

from enrolment.domain.attendance import AttendanceStatus, Mark
from enrolment.domain.completion import CompletionRule, Delivery, Plan, decide, tally, threshold
from enrolment.domain.offerings import Session, SessionType

T, P = SessionType.TEORIA, SessionType.PRACTICA
PRESENT, LATE = AttendanceStatus.PRESENT, AttendanceStatus.LATE
ABSENT, JUSTIFIED = AttendanceStatus.ABSENT, AttendanceStatus.JUSTIFIED
DAY = dt.date(2026, 3, 2)
SESSIONS = [
    Session("S1", T, DAY, 240),
    Session("S2", T, DAY, 120),
    Session("S3", P, DAY, 300),
    Session("S4", P, DAY, 300),
    Session("S5", P, DAY, 60),
]
EIGHTY = threshold(0.8)
NO_HOURS = Plan(0, 0)
"""The attendance rule alone: the hours rule is in test_completion_by_hours.py."""


def attendance(required):
    return CompletionRule(attendance=required, hours=EIGHTY)


def marks(*pairs: tuple[AttendanceStatus, int]) -> list[tuple[str, Mark]]:
    return [(f"S{i}", Mark(s, m)) for i, (s, m) in enumerate(pairs, start=1) if s is not None]


@pytest.mark.parametrize(
    ("recorded", "expected"),
    [
        pytest.param([], Delivery(0, 0, 0, 5), id="nothing recorded: every session missed"),
        pytest.param(
            marks((PRESENT, 240), (PRESENT, 120), (PRESENT, 300), (PRESENT, 300), (PRESENT, 60)),
            Delivery(360, 660, 5, 5),
            id="all present",
        ),
        pytest.param(
            marks((LATE, 200), (PRESENT, 120), (ABSENT, 0), (JUSTIFIED, 0), (PRESENT, 60)),
            Delivery(320, 60, 4, 5),
            id="late counts its minutes, justified attends without hours",
        ),
        pytest.param(
            marks((PRESENT, 300), (ABSENT, 120), (JUSTIFIED, 300)),
            Delivery(240, 0, 2, 5),
            id="no more than planned; absent and justified minutes are not hours",
        ),
        pytest.param([("S9", Mark(PRESENT, 60))], Delivery(0, 0, 0, 5), id="a mark for no session"),
    ],
)
def test_tally(recorded, expected) -> None:
    assert tally(SESSIONS, recorded) == expected


@pytest.mark.parametrize(
    ("attended", "planned", "required", "completed", "rate"),
    [
        (4, 5, EIGHTY, True, 0.8),  # on the threshold completes
        (8, 10, EIGHTY, True, 0.8),
        (3, 5, EIGHTY, False, 0.6),
        (79, 100, EIGHTY, False, 0.79),  # just below fails
        (799, 1000, EIGHTY, False, 0.799),
        (5, 5, EIGHTY, True, 1.0),
        (0, 5, EIGHTY, False, 0.0),
        (2, 3, threshold(2 / 3), True, 0.6667),  # a threshold that is no finite decimal
        (0, 3, threshold(0.0), True, 0.0),  # a zero threshold completes everyone
        (0, 0, EIGHTY, False, 0.0),  # nothing planned: no certificate without evidence
    ],
)
def test_completion_threshold(attended, planned, required, completed, rate) -> None:
    decision = decide(Delivery(0, 0, attended, planned), NO_HOURS, attendance(required))
    assert decision.completed is completed
    assert decision.attendance_rate == rate
    assert (decision.reason is None) is completed


def test_hours_are_minutes_over_sixty_rounded_to_the_hundredth() -> None:
    decision = decide(Delivery(90, 125, 1, 1), NO_HOURS, attendance(EIGHTY))
    assert (decision.delivered_theory_hours, decision.delivered_practice_hours) == (1.5, 2.08)


def test_a_failure_says_why_in_numbers() -> None:
    assert decide(Delivery(0, 0, 3, 5), NO_HOURS, attendance(EIGHTY)).reason == (
        "attended 3 of 5 sessions (60%); 80% required"
    )


@pytest.mark.parametrize(("setting", "exact"), [(0.8, Fraction(4, 5)), (1, Fraction(1))])
def test_the_threshold_setting_is_read_exactly(setting, exact) -> None:
    assert threshold(setting) == exact
