"""The topic catalogue: the single source of truth for every topic, its key, owner and readers.

Topic creation, ACLs and the Kubernetes ``KafkaTopic``/``KafkaUser`` resources are generated
from (or checked against) this module, so code and cluster cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .base import all_event_classes

FOREVER = -1
DAY_MS = 24 * 3600 * 1000
INTAKE_MAX_BYTES = {"max.message.bytes": str(4 * 1024 * 1024)}
"""Intake accepts records larger than the 1 MiB contract limit, so an oversized command is
dead-lettered with its reason instead of vanishing in a publisher's error log."""


class Principal(StrEnum):
    """Kafka principals (``User:<value>``), one per owner of a component."""

    AGENCY_PUBLISHER = "agency-publisher"
    EVALUATOR = "evaluator"
    ONC_ANALYST = "onc-analyst"
    UMS_RESPONDER = "ums-responder"
    SVC_ENROLMENT = "svc-enrolment"
    SVC_EVALUATION = "svc-evaluation"
    SVC_REPORTING = "svc-reporting"
    ONC_FEED = "onc-feed"
    KEDA_LAG = "keda-lag"
    """The autoscaler: Describe on the services' groups and topics, to read lag, and nothing
    else (it never sees a record)."""


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int
    key: str
    owner: Principal
    event_types: tuple[str, ...]
    readers: tuple[Principal, ...]
    extra_writers: tuple[Principal, ...] = ()
    retention_ms: int = FOREVER
    compacted: bool = False
    description: str = ""
    config: dict[str, str] = field(default_factory=dict)

    @property
    def writers(self) -> tuple[Principal, ...]:
        return (self.owner, *self.extra_writers)

    def kafka_config(self) -> dict[str, str]:
        config = {
            "retention.ms": str(self.retention_ms),
            "cleanup.policy": "compact" if self.compacted else "delete",
        }
        return config | self.config


def _types(*suffixes: str) -> tuple[str, ...]:
    return tuple(f"mx.convenio.{s}" for s in suffixes)


ENROLMENT_INTAKE = Topic(
    name="enrolment.intake.v1",
    partitions=6,
    key="cuip (officer commands) or course_id (course, offering)",
    owner=Principal.SVC_ENROLMENT,
    extra_writers=(Principal.AGENCY_PUBLISHER,),
    readers=(Principal.SVC_ENROLMENT,),
    retention_ms=30 * DAY_MS,
    event_types=_types(
        "enrolment.officer.register.v1",
        "enrolment.officer.change_assignment.v1",
        "enrolment.course.publish.v1",
        "enrolment.offering.schedule.v1",
        "enrolment.offering.close.v1",
        "enrolment.enrolment.request.v1",
        "enrolment.enrolment.withdraw.v1",
        "enrolment.attendance.record.v1",
        "enrolment.attendance.void.v1",
    ),
    config=INTAKE_MAX_BYTES,
    description="Commands from agency systems; the only topic that carries identity.",
)
ENROLMENT_OFFICER = Topic(
    name="enrolment.officer.v1",
    partitions=6,
    key="officer_id",
    owner=Principal.SVC_ENROLMENT,
    readers=(Principal.SVC_EVALUATION, Principal.SVC_REPORTING),
    event_types=_types(
        "enrolment.officer.registered.v1",
        "enrolment.officer.assignment_changed.v1",
    ),
)
ENROLMENT_COURSE = Topic(
    name="enrolment.course.v1",
    partitions=3,
    key="course_id or offering_id",
    owner=Principal.SVC_ENROLMENT,
    readers=(Principal.SVC_EVALUATION, Principal.SVC_REPORTING),
    event_types=_types(
        "enrolment.course.published.v1",
        "enrolment.offering.scheduled.v1",
        "enrolment.offering.closed.v1",
    ),
)
ENROLMENT_TRAINING = Topic(
    name="enrolment.training.v1",
    partitions=6,
    key="officer_id",
    owner=Principal.SVC_ENROLMENT,
    readers=(Principal.SVC_EVALUATION, Principal.SVC_REPORTING),
    event_types=_types(
        "enrolment.enrolment.created.v1",
        "enrolment.enrolment.withdrawn.v1",
        "enrolment.attendance.recorded.v1",
        "enrolment.record.voided.v1",
        "enrolment.enrolment.completed.v1",
        "enrolment.enrolment.failed.v1",
    ),
)
EVALUATION_INTAKE = Topic(
    name="evaluation.intake.v1",
    partitions=6,
    key="officer_id, instructor_id or offering_id",
    owner=Principal.SVC_EVALUATION,
    extra_writers=(Principal.EVALUATOR,),
    readers=(Principal.SVC_EVALUATION,),
    retention_ms=30 * DAY_MS,
    event_types=_types(
        "evaluation.instructor.certify.v1",
        "evaluation.competency_result.record.v1",
        "evaluation.performance_result.record.v1",
        "evaluation.trust_control_result.import.v1",
        "evaluation.assessment.schedule.v1",
        "evaluation.course_feedback.submit.v1",
    ),
    config=INTAKE_MAX_BYTES,
    description="Results from evaluators and the C3 import, named by officer_id only.",
)
EVALUATION_INSTRUCTOR = Topic(
    name="evaluation.instructor.v1",
    partitions=3,
    key="instructor_id",
    owner=Principal.SVC_EVALUATION,
    readers=(Principal.SVC_REPORTING,),
    event_types=_types("evaluation.instructor.certified.v1"),
)
EVALUATION_ASSESSMENT = Topic(
    name="evaluation.assessment.v1",
    partitions=6,
    key="officer_id",
    owner=Principal.SVC_EVALUATION,
    readers=(Principal.SVC_REPORTING,),
    event_types=_types(
        "evaluation.assessment.scheduled.v1",
        "evaluation.competency.evaluated.v1",
        "evaluation.assessment.result_recorded.v1",
        "evaluation.cup_component.status_changed.v1",
        "evaluation.cup.eligibility_changed.v1",
        "evaluation.certification.expiring.v1",
    ),
)
EVALUATION_FEEDBACK = Topic(
    name="evaluation.feedback.v1",
    partitions=3,
    key="offering_id",
    owner=Principal.SVC_EVALUATION,
    readers=(Principal.SVC_REPORTING,),
    event_types=_types("evaluation.course_feedback.submitted.v1"),
    description="Anonymous: names offerings and instructors, never officers.",
)
REPORTING_INTAKE = Topic(
    name="reporting.intake.v1",
    partitions=3,
    key="finding_id",
    owner=Principal.SVC_REPORTING,
    extra_writers=(Principal.ONC_ANALYST,),
    readers=(Principal.SVC_REPORTING,),
    retention_ms=30 * DAY_MS,
    event_types=_types(
        "reporting.finding.record.v1",
        "reporting.finding.change_status.v1",
    ),
    config=INTAKE_MAX_BYTES,
    description="ONC's channel: analysts' findings and their status changes. Whatever arrives "
    "here speaks for ONC, because only ONC's analysts may write it.",
)
REPORTING_RESPONSES = Topic(
    name="reporting.responses.intake.v1",
    partitions=3,
    key="finding_id",
    owner=Principal.SVC_REPORTING,
    extra_writers=(Principal.UMS_RESPONDER,),
    readers=(Principal.SVC_REPORTING,),
    retention_ms=30 * DAY_MS,
    event_types=_types("reporting.finding.respond.v1"),
    config=INTAKE_MAX_BYTES,
    description="UMS's channel: its responses to ONC's findings. Whatever arrives here speaks "
    "for UMS, because only UMS's responder may write it.",
)
INTAKE_REJECTIONS = Topic(
    name="intake.rejections.v1",
    partitions=3,
    key="ce_id of the refused or dead-lettered command (topic:partition:offset if it had none)",
    owner=Principal.SVC_ENROLMENT,
    extra_writers=(Principal.SVC_EVALUATION, Principal.SVC_REPORTING),
    readers=(
        Principal.AGENCY_PUBLISHER,
        Principal.EVALUATOR,
        Principal.ONC_ANALYST,
        Principal.UMS_RESPONDER,
    ),
    retention_ms=30 * DAY_MS,
    event_types=_types(
        "enrolment.intake.rejected.v1",
        "evaluation.intake.rejected.v1",
        "reporting.intake.rejected.v1",
        "enrolment.intake.dead_lettered.v1",
        "evaluation.intake.dead_lettered.v1",
        "reporting.intake.dead_lettered.v1",
    ),
    description="Each publisher's feedback: refusals of its commands, and notices (no "
    "payload) of its records that were dead-lettered.",
)
REPORTING_INDICATORS = Topic(
    name="reporting.indicators.v1",
    partitions=3,
    key="indicator:period:geography[:breakdown]",
    owner=Principal.SVC_REPORTING,
    readers=(Principal.ONC_FEED, Principal.ONC_ANALYST),
    compacted=True,
    event_types=_types("reporting.indicator.published.v1"),
    description="The ONC feed: compacted, so its latest state per cell is the current truth.",
)
REPORTING_FINDINGS = Topic(
    name="reporting.findings.v1",
    partitions=3,
    key="finding_id",
    owner=Principal.SVC_REPORTING,
    readers=(Principal.ONC_FEED, Principal.ONC_ANALYST, Principal.UMS_RESPONDER),
    event_types=_types(
        "reporting.finding.recorded.v1",
        "reporting.finding.status_changed.v1",
    ),
)

CATALOGUE: tuple[Topic, ...] = (
    ENROLMENT_INTAKE,
    ENROLMENT_OFFICER,
    ENROLMENT_COURSE,
    ENROLMENT_TRAINING,
    EVALUATION_INTAKE,
    EVALUATION_INSTRUCTOR,
    EVALUATION_ASSESSMENT,
    EVALUATION_FEEDBACK,
    REPORTING_INTAKE,
    REPORTING_RESPONSES,
    INTAKE_REJECTIONS,
    REPORTING_INDICATORS,
    REPORTING_FINDINGS,
)
"""Every topic but the dead-letter ones, which are derived per consumer group."""

_BY_NAME = {t.name: t for t in CATALOGUE}
_BY_TYPE = {event_type: t for t in CATALOGUE for event_type in t.event_types}

CONSUMER_GROUPS: dict[Principal, str] = {
    Principal.SVC_ENROLMENT: "enrolment",
    Principal.SVC_EVALUATION: "evaluation",
    Principal.SVC_REPORTING: "reporting",
}
DLQ_RETENTION_MS = 30 * DAY_MS


def topic(name: str) -> Topic:
    return _BY_NAME[name]


def topic_for(event_type: str) -> Topic:
    """The one topic that carries ``event_type``; KeyError for a type not in the catalogue."""
    return _BY_TYPE[event_type]


def dlq_topic_name(group: str, source_topic: str) -> str:
    return f"{group}.{source_topic}.dlq"


def subscriptions(principal: Principal) -> tuple[Topic, ...]:
    """The topics a service consumes: those its principal may read."""
    return tuple(t for t in CATALOGUE if principal in t.readers)


def dead_letter_topics() -> tuple[Topic, ...]:
    """One dead-letter topic per service and consumed topic, owned by that service."""
    return tuple(
        Topic(
            name=dlq_topic_name(group, source.name),
            partitions=1,
            key="original key",
            owner=principal,
            readers=(principal,),
            retention_ms=DLQ_RETENTION_MS,
            event_types=(),
            description=f"Records of {source.name} that {group} could not accept, with reasons.",
        )
        for principal, group in CONSUMER_GROUPS.items()
        for source in subscriptions(principal)
    )


def all_topics() -> tuple[Topic, ...]:
    return CATALOGUE + dead_letter_topics()


def is_intake(t: Topic) -> bool:
    """Written by someone outside the services (an agency, evaluator or analyst): a record
    dead-lettered from such a topic earns its publisher a notice (ADR 0098)."""
    return any(writer not in CONSUMER_GROUPS for writer in t.writers)


def uncatalogued_event_types() -> set[str]:
    """Registered event types that no topic carries (a test keeps this empty)."""
    return set(all_event_classes()) - set(_BY_TYPE)
