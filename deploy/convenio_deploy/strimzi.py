"""Strimzi ``KafkaTopic`` and ``KafkaUser`` resources, generated from the topic catalogue.

The ownership matrix is the catalogue's ``writers`` and ``readers``: a principal may write
(and describe) exactly the topics it writes, read (and describe) exactly those it reads, and
read its own consumer group. Nothing is a wildcard; only the groups of outside readers
(agencies, the ONC feed) are a prefix named after them, because they run their own consumers.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from convenio_contracts.topics import CONSUMER_GROUPS, Principal, Topic, all_topics

from .services import CLUSTER

API_VERSION = "kafka.strimzi.io/v1"
DEFAULT_REPLICAS = 3
"""Base (production) replication; the dev overlay patches every topic down to one node."""


class Acl(NamedTuple):
    """One allowed operation, the unit the validator compares."""

    resource_type: str
    name: str
    pattern: str
    operation: str


def kafka_topic(topic: Topic) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "KafkaTopic",
        "metadata": {
            "name": topic.name,
            "labels": {"strimzi.io/cluster": CLUSTER},
            "annotations": {"convenio.mx/owner": topic.owner.value},
        },
        "spec": {
            "topicName": topic.name,
            "partitions": topic.partitions,
            "replicas": DEFAULT_REPLICAS,
            "config": topic.kafka_config(),
        },
    }


def kafka_topics() -> list[dict[str, Any]]:
    return [kafka_topic(t) for t in all_topics()]


def consumer_group(principal: Principal) -> tuple[str, str] | None:
    """(name, pattern type) of the group a principal may consume with, if it reads anything."""
    if principal in CONSUMER_GROUPS:
        return CONSUMER_GROUPS[principal], "literal"
    if any(principal in t.readers for t in all_topics()):
        return f"{principal.value}-", "prefix"
    return None


def expected_acls(principal: Principal) -> set[Acl]:
    acls: set[Acl] = set()
    for topic in all_topics():
        if principal in topic.writers:
            acls |= {Acl("topic", topic.name, "literal", op) for op in ("Write", "Describe")}
        if principal in topic.readers:
            acls |= {Acl("topic", topic.name, "literal", op) for op in ("Read", "Describe")}
    if group := consumer_group(principal):
        acls.add(Acl("group", *group, "Read"))
    return acls


def _acl_rules(acls: set[Acl]) -> list[dict[str, Any]]:
    """One rule per resource, its operations sorted, resources in a stable order."""
    by_resource: dict[tuple[str, str, str], list[str]] = {}
    for acl in acls:
        by_resource.setdefault((acl.resource_type, acl.name, acl.pattern), []).append(acl.operation)
    return [
        {
            "resource": {"type": kind, "name": name, "patternType": pattern},
            "operations": sorted(ops),
        }
        for (kind, name, pattern), ops in sorted(by_resource.items())
    ]


def kafka_user(principal: Principal) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "KafkaUser",
        "metadata": {"name": principal.value, "labels": {"strimzi.io/cluster": CLUSTER}},
        "spec": {
            "authentication": {"type": "scram-sha-512"},
            "authorization": {"type": "simple", "acls": _acl_rules(expected_acls(principal))},
        },
    }


def kafka_users() -> list[dict[str, Any]]:
    return [kafka_user(p) for p in Principal]


def acls_of(user: dict[str, Any]) -> set[Acl]:
    """The operations a ``KafkaUser`` actually grants, expanded to one ``Acl`` per operation."""
    rules = user.get("spec", {}).get("authorization", {}).get("acls", [])
    return {
        Acl(
            rule["resource"].get("type", ""),
            rule["resource"].get("name", "*"),
            rule["resource"].get("patternType", "literal"),
            op,
        )
        for rule in rules
        for op in rule.get("operations", [])
    }
