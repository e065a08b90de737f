"""Intake command handlers: each runs inside the chassis's unit of work (inbox, state, outbox)
and turns one agency command into facts, or into a rejection that says why."""

from __future__ import annotations

from convenio_chassis.consumer import Handler
from convenio_contracts.enrolment import (
    ChangeOfficerAssignment,
    CloseOffering,
    PublishCourse,
    RecordAttendance,
    RegisterOfficer,
    RequestEnrolment,
    ScheduleOffering,
    VoidAttendance,
    WithdrawEnrolment,
)

from ..adapters.repository import write_pending_attendance
from ..domain.completion import CompletionRule, threshold
from .attendance import record_attendance, void_attendance
from .batch import prefetch_batch
from .catalogue import publish_course, schedule_offering
from .completion import close_offering
from .enrolments import request_enrolment, withdraw_enrolment
from .officers import change_assignment, register_officer

__all__ = ["handlers", "prefetch_batch", "write_pending_attendance"]


def handlers(completion_threshold: float, hours_threshold: float) -> dict[str, Handler]:
    """Every intake command type and the one handler that takes it."""
    rule = CompletionRule(threshold(completion_threshold), threshold(hours_threshold))
    return {
        RegisterOfficer.event_type: register_officer,
        ChangeOfficerAssignment.event_type: change_assignment,
        PublishCourse.event_type: publish_course,
        ScheduleOffering.event_type: schedule_offering,
        RequestEnrolment.event_type: request_enrolment,
        WithdrawEnrolment.event_type: withdraw_enrolment,
        RecordAttendance.event_type: record_attendance,
        VoidAttendance.event_type: void_attendance,
        CloseOffering.event_type: close_offering(rule),
    }
