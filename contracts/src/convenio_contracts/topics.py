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


class Principal(StrEnum):
    """Kafka principals (``User:<value>``), one per owner of a component."""

    AGENCY_PUBLISHER = "agency-publisher"
    EVALUATOR = "evaluator"
    ONC_ANALYST = "onc-analyst"
    SVC_ENROLMENT = "svc-enrolment"
    SVC_EVALUATION = "svc-evaluation"
    SVC_REPORTING = "svc-reporting"
    ONC_FEED = "onc-feed"


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
    key="cuip, course_id or offering_id",
    owner=Principal.SVC_ENROLMENT,
    extra_writers=(Principal.AGENCY_PUBLISHER,),
    readers=(Principal.SVC_ENROLMENT,),
    retention_ms=30 * DAY_MS,
    event_types=_types(
        "enrolment.officer.register.v1",
        "enrolment.course.publish.v1",
        "enrolment.offering.schedule.v1",
        "enrolment.enrolment.request.v1",
    ),
    description="Commands from agency systems; the only topic that carries identity.",
)
ENROLMENT_OFFICER = Topic(
    name="enrolment.officer.v1",
    partitions=6,
    key="officer_id",
    owner=Principal.SVC_ENROLMENT,
    readers=(Principal.SVC_EVALUATION, Principal.SVC_REPORTING),
    event_types=_types("enrolment.officer.registered.v1"),
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
    ),
)
ENROLMENT_TRAINING = Topic(
    name="enrolment.training.v1",
    partitions=6,
    key="officer_id",
    owner=Principal.SVC_ENROLMENT,
    readers=(Principal.SVC_EVALUATION, Principal.SVC_REPORTING),
    event_types=_types("enrolment.enrolment.created.v1"),
)
INTAKE_REJECTIONS = Topic(
    name="intake.rejections.v1",
    partitions=3,
    key="ce_id of the refused command",
    owner=Principal.SVC_ENROLMENT,
    extra_writers=(Principal.SVC_EVALUATION,),
    readers=(Principal.AGENCY_PUBLISHER, Principal.EVALUATOR),
    retention_ms=30 * DAY_MS,
    event_types=_types("enrolment.intake.rejected.v1"),
)
REPORTING_INDICATORS = Topic(
    name="reporting.indicators.v1",
    partitions=3,
    key="indicator:period:geography[:breakdown]",
    owner=Principal.SVC_REPORTING,
    readers=(Principal.ONC_FEED,),
    compacted=True,
    event_types=_types("reporting.indicator.published.v1"),
    description="The ONC feed: compacted, so its latest state per cell is the current truth.",
)

CATALOGUE: tuple[Topic, ...] = (
    ENROLMENT_INTAKE,
    ENROLMENT_OFFICER,
    ENROLMENT_COURSE,
    ENROLMENT_TRAINING,
    INTAKE_REJECTIONS,
    REPORTING_INDICATORS,
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


def uncatalogued_event_types() -> set[str]:
    """Registered event types that no topic carries (a test keeps this empty)."""
    return set(all_event_classes()) - set(_BY_TYPE)
