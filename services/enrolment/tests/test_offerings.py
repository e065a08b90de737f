"""Offering schedules and closing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from enrolment.domain.offerings import Offering, Session, SessionType, check_close, check_schedule
from enrolment.domain.refusals import RefusalReason, Refused

STARTS, ENDS = dt.date(2026, 3, 2), dt.date(2026, 3, 20)
OFFERING = Offering("OF-1", "C-1", 1, 2, STARTS, ENDS)


def session(session_id: str, day: dt.date) -> Session:
    return Session(session_id, SessionType.TEORIA, day, 60)


@pytest.mark.parametrize(
    "sessions",
    [
        [],
        [session("S1", STARTS), session("S2", ENDS)],  # both ends are inside
    ],
)
def test_a_schedule_within_its_dates_is_accepted(sessions) -> None:
    check_schedule(STARTS, ENDS, sessions)


@pytest.mark.parametrize(
    ("sessions", "reason", "named"),
    [
        (
            [session("S1", STARTS), session("S0", STARTS - dt.timedelta(days=1))],
            RefusalReason.SESSION_OUTSIDE_OFFERING,
            "S0",
        ),
        (
            [session("S9", ENDS + dt.timedelta(days=1))],
            RefusalReason.SESSION_OUTSIDE_OFFERING,
            "S9",
        ),
        ([session("S1", STARTS), session("S1", ENDS)], RefusalReason.INVALID_REQUEST, "S1"),
    ],
)
def test_schedule_refusals_name_the_sessions(sessions, reason, named) -> None:
    with pytest.raises(Refused, match=named) as refused:
        check_schedule(STARTS, ENDS, sessions)
    assert refused.value.reason is reason


CLOSE_DAY = dt.date(2026, 3, 21)


@pytest.mark.parametrize(
    ("offering", "course_id", "expected"),
    [
        (OFFERING, "C-1", True),
        (replace(OFFERING, closed_on=CLOSE_DAY), "C-1", False),  # the same close sent again
    ],
)
def test_closing(offering, course_id, expected) -> None:
    assert check_close(offering, course_id, CLOSE_DAY) is expected


@pytest.mark.parametrize(
    ("offering", "course_id", "reason"),
    [
        (None, "C-1", RefusalReason.UNKNOWN_OFFERING),
        (OFFERING, "C-2", RefusalReason.INVALID_REQUEST),
        (replace(OFFERING, closed_on=CLOSE_DAY - dt.timedelta(days=1)), "C-1",
         RefusalReason.OFFERING_CLOSED),
    ],
)  # fmt: skip
def test_close_refusals(offering, course_id, reason) -> None:
    with pytest.raises(Refused) as refused:
        check_close(offering, course_id, CLOSE_DAY)
    assert refused.value.reason is reason
