"""Kafka ACLs derived from the topic catalogue: each principal gets exactly what it needs.

The catalogue says who owns, writes and reads each topic; this module turns that into the list
of ACL bindings a cluster must hold, and nothing more. The local broker applies them with
confluent-kafka's admin client (``convenio_chassis.acl_admin``); the Kubernetes ``KafkaUser``
resources are generated from the same list, so the two cannot drift. Pure: no I/O.

Every binding allows (there are no deny rules) from any host. Rules:

- a topic a principal writes: ``Write`` and ``Describe`` on it (``Describe`` for metadata);
- a topic a principal reads: ``Read`` and ``Describe`` on it;
- a service's consumer group (``CONSUMER_GROUPS``): ``Read`` on that literal group;
- any other principal that reads: ``Read`` on the groups named ``<principal>.`` + anything
  (a prefixed pattern), so an outside team names its own groups without asking us, and
  cannot join, reset or read the offsets of anyone else's;
- the lag reader (``Principal.KEDA_LAG``): ``Describe`` on each service's consumer group and
  on each topic a service consumes, which is what committed offsets and end offsets need; no
  ``Read``, so it cannot fetch a record nor join a group;
- no cluster operation: idempotent producers need none since Kafka 3.0 (KIP-679: ``Write``
  on any topic allows ``InitProducerId``), and topic creation is an administrator's job.

No wildcard names: a topic added to the catalogue is granted to nobody until the catalogue
says who may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from .topics import CONSUMER_GROUPS, Principal, Topic, all_topics, subscriptions

__all__ = [
    "AclBinding",
    "Operation",
    "PatternType",
    "ResourceType",
    "acl_bindings",
    "bindings_for",
    "consumer_group_pattern",
    "may",
    "may_use_group",
    "readable_topics",
    "writable_topics",
]


class ResourceType(StrEnum):
    TOPIC = "topic"
    GROUP = "group"


class PatternType(StrEnum):
    LITERAL = "literal"
    PREFIXED = "prefixed"


class Operation(StrEnum):
    """Kafka's operation names, spelt as ``AclCommand`` and Strimzi's ``KafkaUser`` spell them."""

    READ = "Read"
    WRITE = "Write"
    DESCRIBE = "Describe"


# Kafka's authorizer grants Describe to whoever may Read or Write the same resource.
_IMPLIES_DESCRIBE = frozenset({Operation.READ, Operation.WRITE})


@dataclass(frozen=True, order=True)
class AclBinding:
    """One ``ALLOW`` rule: ``principal`` may do ``operation`` on the resource, from any host."""

    principal: Principal
    resource_type: ResourceType
    resource_name: str
    pattern_type: PatternType
    operation: Operation

    @property
    def kafka_principal(self) -> str:
        return f"User:{self.principal}"

    def matches(self, resource_type: ResourceType, name: str) -> bool:
        """Does this rule's resource pattern cover the named resource?"""
        if resource_type is not self.resource_type:
            return False
        if self.pattern_type is PatternType.PREFIXED:
            return name.startswith(self.resource_name)
        return name == self.resource_name

    def allows(self, operation: Operation) -> bool:
        if operation is self.operation:
            return True
        return operation is Operation.DESCRIBE and self.operation in _IMPLIES_DESCRIBE


def writable_topics(principal: Principal, topics: Iterable[Topic]) -> tuple[Topic, ...]:
    return tuple(t for t in topics if principal in t.writers)


def readable_topics(principal: Principal, topics: Iterable[Topic]) -> tuple[Topic, ...]:
    return tuple(t for t in topics if principal in t.readers)


def consumer_group_pattern(principal: Principal) -> tuple[str, PatternType]:
    """The consumer groups a principal may use: a service's own, or ``<principal>.*``."""
    if principal in CONSUMER_GROUPS:
        return CONSUMER_GROUPS[principal], PatternType.LITERAL
    return f"{principal}.", PatternType.PREFIXED


def bindings_for(
    principal: Principal, topics: Iterable[Topic] | None = None
) -> tuple[AclBinding, ...]:
    """Every rule one principal needs, sorted; ``topics`` defaults to the whole catalogue."""
    catalogue = tuple(all_topics() if topics is None else topics)
    if principal is Principal.KEDA_LAG:
        return _lag_reader_bindings(catalogue)
    rules: set[AclBinding] = set()
    for operation, granted in (
        (Operation.WRITE, writable_topics(principal, catalogue)),
        (Operation.READ, readable_topics(principal, catalogue)),
    ):
        for topic in granted:
            for op in (operation, Operation.DESCRIBE):
                rules.add(
                    AclBinding(principal, ResourceType.TOPIC, topic.name, PatternType.LITERAL, op)
                )
    if readable_topics(principal, catalogue):
        group, pattern = consumer_group_pattern(principal)
        rules.add(AclBinding(principal, ResourceType.GROUP, group, pattern, Operation.READ))
    return tuple(sorted(rules))


def _lag_reader_bindings(catalogue: tuple[Topic, ...]) -> tuple[AclBinding, ...]:
    lag = Principal.KEDA_LAG
    subscribed = {t.name for service in CONSUMER_GROUPS for t in subscriptions(service)}
    consumed = {t.name for t in catalogue if t.name in subscribed}
    rules = {
        AclBinding(lag, ResourceType.TOPIC, name, PatternType.LITERAL, Operation.DESCRIBE)
        for name in consumed
    } | {
        AclBinding(lag, ResourceType.GROUP, group, PatternType.LITERAL, Operation.DESCRIBE)
        for group in CONSUMER_GROUPS.values()
    }
    return tuple(sorted(rules))


def acl_bindings(topics: Iterable[Topic] | None = None) -> tuple[AclBinding, ...]:
    """The cluster's whole ACL set: every principal's rules, sorted by principal."""
    catalogue = tuple(all_topics() if topics is None else topics)
    return tuple(rule for p in Principal for rule in bindings_for(p, catalogue))


def may(
    principal: Principal,
    operation: Operation,
    topic_name: str,
    bindings: Iterable[AclBinding] | None = None,
) -> bool:
    """Would the broker's authorizer allow this topic operation under these rules?"""
    rules = acl_bindings() if bindings is None else bindings
    return any(
        rule.principal is principal
        and rule.matches(ResourceType.TOPIC, topic_name)
        and rule.allows(operation)
        for rule in rules
    )


def may_use_group(
    principal: Principal, group: str, bindings: Iterable[AclBinding] | None = None
) -> bool:
    """May this principal join, commit and fetch offsets in consumer group ``group``?"""
    rules = acl_bindings() if bindings is None else bindings
    return any(
        rule.principal is principal
        and rule.matches(ResourceType.GROUP, group)
        and rule.allows(Operation.READ)
        for rule in rules
    )
