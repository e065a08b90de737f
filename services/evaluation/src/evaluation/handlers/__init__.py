"""Handlers: enrolment facts tell evaluation who exists and who completed initial training;
evaluation intake brings results. Each runs in the chassis's unit of work (inbox, state,
outbox) and ends in facts, a rejection that says why, or a hold (ADR 0040).

Every event type evaluation acts on, and who handles it, is in ``handlers()`` below.
"""

from __future__ import annotations

from convenio_chassis.consumer import Handler
from convenio_contracts.enrolment import (
    EnrolmentCompleted,
    EnrolmentCreated,
    OfferingScheduled,
    OfficerAssignmentChanged,
    OfficerRegistered,
)
from convenio_contracts.evaluation import CertifyInstructor, SubmitCourseFeedback

from ..domain.dates import Clock
from ..domain.policy import Policy
from . import enrolment_facts, intake
from .context import Context, typed
from .held import hold_unless_known
from .prefetch import before_batch

__all__ = ["before_batch", "handlers"]


def handlers(policy: Policy, today: Clock) -> dict[str, Handler]:
    ctx = Context(policy, today)
    return {
        OfficerRegistered.event_type: typed(
            ctx, OfficerRegistered, enrolment_facts.officer_registered
        ),
        OfficerAssignmentChanged.event_type: typed(
            ctx, OfficerAssignmentChanged, enrolment_facts.officer_assignment_changed
        ),
        OfferingScheduled.event_type: typed(
            ctx, OfferingScheduled, enrolment_facts.offering_scheduled
        ),
        EnrolmentCreated.event_type: typed(
            ctx, EnrolmentCreated, enrolment_facts.enrolment_created
        ),
        EnrolmentCompleted.event_type: typed(
            ctx, EnrolmentCompleted, enrolment_facts.enrolment_completed
        ),
        CertifyInstructor.event_type: typed(ctx, CertifyInstructor, intake.certify_instructor),
        SubmitCourseFeedback.event_type: typed(
            ctx, SubmitCourseFeedback, intake.submit_course_feedback
        ),
        **{t: hold_unless_known(ctx, apply) for t, apply in intake.OFFICER_SCOPED.items()},
    }
