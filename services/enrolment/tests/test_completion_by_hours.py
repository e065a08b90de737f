"""Completion by hours delivered, and offerings that add up to their course (ADR 0076): each
test was written before its rule and seen to fail on the rule it replaces."""

from __future__ import annotations

import datetime as dt

import pytest

from enrolment.domain.attendance import AttendanceStatus, Mark
from enrolment.domain.completion import CompletionRule, Plan, decide, tally, threshold
from enrolment.domain.offerings import Course, Session, SessionType, check_plan
from enrolment.domain.refusals import RefusalReason, Refused

T, P = SessionType.TEORIA, SessionType.PRACTICA
PRESENT, LATE = AttendanceStatus.PRESENT, AttendanceStatus.LATE
ABSENT, JUSTIFIED = AttendanceStatus.ABSENT, AttendanceStatus.JUSTIFIED
DAY = dt.date(2026, 3, 2)
SESSIONS = [  # 6 h of theory, 11 h of practice
    Session("S1", T, DAY, 240),
    Session("S2", T, DAY, 120),
    Session("S3", P, DAY, 300),
    Session("S4", P, DAY, 300),
    Session("S5", P, DAY, 60),
]
PLAN = Plan(6, 11)
RULE = CompletionRule(attendance=threshold(0.8), hours=threshold(0.8))


def marks(*pairs: tuple[AttendanceStatus, int]) -> list[tuple[str, Mark]]:
    return [(f"S{i}", Mark(s, m)) for i, (s, m) in enumerate(pairs, start=1)]


def test_an_all_justified_register_completes_nothing() -> None:
    recorded = marks(*[(JUSTIFIED, 0)] * 5)
    decision = decide(tally(SESSIONS, recorded), PLAN, RULE)
    assert decision.completed is False
    assert decision.attendance_rate == 1.0  # excused from the attendance rule...
    assert (decision.delivered_theory_hours, decision.delivered_practice_hours) == (0, 0)
    assert decision.reason == (
        "delivered 0 of 6 theory hours (0%) and 0 of 11 practice hours (0%); 80% of each required"
    )


def test_one_late_minute_at_every_session_completes_nothing() -> None:
    decision = decide(tally(SESSIONS, marks(*[(LATE, 1)] * 5)), PLAN, RULE)
    assert decision.completed is False


@pytest.mark.parametrize(
    ("recorded", "completed"),
    [
        (marks((PRESENT, 240), (PRESENT, 120), (PRESENT, 300), (PRESENT, 300), (PRESENT, 60)),
         True),
        # a justified absence is excused; 5 of 6 theory and 10 of 11 practice hours delivered
        (marks((PRESENT, 240), (LATE, 60), (PRESENT, 300), (PRESENT, 300), (JUSTIFIED, 0)),
         True),
        # four of five attended, but only 4 of 6 theory hours delivered
        (marks((PRESENT, 240), (JUSTIFIED, 0), (PRESENT, 300), (PRESENT, 300), (PRESENT, 60)),
         False),
        # theory in full; practice 6 of 11 hours
        (marks((PRESENT, 240), (PRESENT, 120), (PRESENT, 300), (ABSENT, 0), (PRESENT, 60)),
         False),
    ],
)  # fmt: skip
def test_theory_and_practice_hours_each_reach_the_threshold(recorded, completed: bool) -> None:
    assert decide(tally(SESSIONS, recorded), PLAN, RULE).completed is completed


def test_the_hours_threshold_is_a_setting() -> None:
    recorded = marks((PRESENT, 240), (JUSTIFIED, 0), (PRESENT, 300), (PRESENT, 300), (PRESENT, 60))
    lenient = CompletionRule(attendance=threshold(0.8), hours=threshold(0.6))
    assert decide(tally(SESSIONS, recorded), PLAN, lenient).completed is True


def test_hours_on_the_threshold_complete_exactly() -> None:
    plan = Plan(5, 5)  # 80 % is 4 h = 240 minutes of each
    sessions = [Session("S1", T, DAY, 300), Session("S2", P, DAY, 300)]
    on = decide(tally(sessions, marks((LATE, 240), (LATE, 240))), plan, RULE)
    below = decide(tally(sessions, marks((LATE, 240), (LATE, 239))), plan, RULE)
    assert (on.completed, below.completed) == (True, False)


# --- an offering adds up to its course --------------------------------------------------------

COURSE = Course("C-1", 1, "actualizacion", 6, 11)


def test_an_offering_whose_sessions_add_up_to_the_course_is_accepted() -> None:
    check_plan(COURSE, SESSIONS)


@pytest.mark.parametrize(
    ("sessions", "named"),
    [
        (SESSIONS[:4], "6 h of theory and 10 h of practice"),
        (SESSIONS[1:], "2 h of theory and 11 h of practice"),
        ([], "0 h of theory and 0 h of practice"),
    ],
)
def test_an_offering_that_does_not_add_up_to_its_course_is_refused(sessions, named: str) -> None:
    with pytest.raises(Refused, match=named) as refused:
        check_plan(COURSE, sessions)
    assert refused.value.reason is RefusalReason.INVALID_REQUEST
    assert "C-1 v1 plans 6 h of theory and 11 h of practice" in refused.value.message


def test_the_handler_refuses_an_offering_that_does_not_add_up(process, cmd, summary, payload):
    process(cmd.course(planned_practice_hours=12))
    [refused] = process(cmd.offering())
    assert summary([refused]) == ["intake.rejected:invalid_request"]
    assert "plans 6 h of theory and 12 h of practice" in payload(refused)["message"]
    assert summary(process(cmd.course(course_id="C-2"), cmd.offering(course_id="C-2"))) == [
        "course.published",
        "offering.scheduled",
    ]
