"""Feedback integrity (ADR 0077): one response per enrolment, only about an instructor of that
offering. Written first and seen to fail: feedback was accepted from anyone, about anyone."""

from __future__ import annotations

import pytest

from evaluation.domain.feedback import Enrolled, check_feedback
from evaluation.domain.policy import Policy
from evaluation.domain.refusals import RefusalReason, Refused

from .harness import Evaluation, enrolled_in, feedback, kinds, scheduled_offering

OFFERING = "UMS-PR-2026-01"
TEACHERS = frozenset({"INS-7", "INS-8"})
ENROLLED = Enrolled("enr-1", OFFERING)


def test_a_participant_rates_an_instructor_of_their_offering_once() -> None:
    check_feedback(OFFERING, "INS-7", ENROLLED, TEACHERS, answered=False)


@pytest.mark.parametrize(
    ("offering", "instructor", "enrolled", "instructors", "answered", "reason", "says"),
    [
        (OFFERING, "INS-7", None, TEACHERS, False, RefusalReason.NOT_ENROLLED, "no known"),
        ("UMS-OTHER", "INS-7", ENROLLED, TEACHERS, False, RefusalReason.NOT_ENROLLED, "not in"),
        (OFFERING, "INS-9", ENROLLED, TEACHERS, False, RefusalReason.UNKNOWN_INSTRUCTOR, "INS-9"),
        (OFFERING, "INS-7", ENROLLED, None, False, RefusalReason.UNKNOWN_OFFERING, OFFERING),
        (OFFERING, "INS-8", ENROLLED, TEACHERS, True, RefusalReason.INVALID_REQUEST, "already"),
    ],
)  # fmt: skip
def test_other_feedback_is_refused_with_a_reason(
    offering, instructor, enrolled, instructors, answered, reason, says
) -> None:
    with pytest.raises(Refused, match=says) as refused:
        check_feedback(offering, instructor, enrolled, instructors, answered=answered)
    assert refused.value.reason is reason


def test_the_handler_takes_one_response_per_enrolment(evaluation: Evaluation) -> None:
    evaluation.send(scheduled_offering(OFFERING, ("INS-7",)), enrolled_in(1, OFFERING))
    assert kinds(evaluation.send(feedback(enrolment="enr-1-formacion_inicial"))) == [
        "course_feedback.submitted"
    ]
    assert kinds(evaluation.send(feedback(enrolment="enr-1-formacion_inicial"))) == [
        "intake.rejected:invalid_request"
    ]
    assert kinds(evaluation.send(feedback(instructor="INS-2", enrolment="x"))) == [
        "intake.rejected:not_enrolled"
    ]
    assert kinds(evaluation.send(feedback())) == ["intake.rejected:invalid_request"]


@pytest.mark.parametrize("policy", [Policy(feedback_requires_enrolment=False)])
def test_while_clients_migrate_feedback_without_an_enrolment_checks_the_instructor(
    evaluation: Evaluation,
) -> None:
    evaluation.send(scheduled_offering(OFFERING, ("INS-7",)))
    assert kinds(evaluation.send(feedback())) == ["course_feedback.submitted"]
    assert kinds(evaluation.send(feedback(instructor="INS-2"))) == [
        "intake.rejected:unknown_instructor"
    ]
