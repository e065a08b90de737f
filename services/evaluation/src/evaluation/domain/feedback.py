"""Course feedback integrity (ADR 0077): one response per enrolment, and only about an
instructor of that offering, so one person cannot be five responses nor rate a stranger. The
enrolment is checked and never passed on: the fact stays anonymous."""

from __future__ import annotations

from dataclasses import dataclass

from .refusals import RefusalReason, Refused


@dataclass(frozen=True)
class Enrolled:
    """An enrolment as evaluation knows it from ``enrolment.created``."""

    enrolment_id: str
    offering_id: str


def check_named(enrolment_id: str | None, *, required: bool) -> None:
    """``required`` is the setting ``FEEDBACK_REQUIRES_ENROLMENT``: false only while v1 clients
    that send no enrolment are migrated (ADR 0077)."""
    if enrolment_id is None and required:
        raise Refused(
            RefusalReason.INVALID_REQUEST,
            "feedback must name the enrolment it answers for (it is checked, never passed on)",
        )


def check_instructor(
    offering_id: str, instructor_id: str, instructors: frozenset[str] | None
) -> None:
    if instructors is None:
        raise Refused(RefusalReason.UNKNOWN_OFFERING, f"offering {offering_id} is not known")
    if instructor_id not in instructors:
        raise Refused(
            RefusalReason.UNKNOWN_INSTRUCTOR,
            f"{instructor_id} is not an instructor of offering {offering_id}",
        )


def check_feedback(
    offering_id: str,
    instructor_id: str,
    enrolled: Enrolled | None,
    instructors: frozenset[str] | None,
    *,
    answered: bool,
) -> None:
    """Refuse feedback from outside the offering, about someone who did not teach it, or a
    second response from one enrolment."""
    if enrolled is None:
        raise Refused(RefusalReason.NOT_ENROLLED, "no known enrolment has that id")
    if enrolled.offering_id != offering_id:
        raise Refused(RefusalReason.NOT_ENROLLED, f"the enrolment is not in offering {offering_id}")
    check_instructor(offering_id, instructor_id, instructors)
    if answered:
        raise Refused(
            RefusalReason.INVALID_REQUEST,
            f"this enrolment has already answered the feedback for offering {offering_id}",
        )
