"""Strimzi ``KafkaTopic`` and ``KafkaUser`` resources, generated from the topic catalogue.

The ownership matrix is the catalogue's ``writers`` and ``readers``: a principal may write
(and describe) exactly the topics it writes, read (and describe) exactly those it reads, and
read its own consumer group. Nothing is a wildcard; only the groups of outside readers
(agencies, the ONC feed) are a prefix named after them (``<principal>.``), because they run
their own consumers. The rules come from ``convenio_contracts.acl``, which also feeds the
local broker's ACLs, so cluster and broker cannot disagree.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from convenio_contracts.acl import PatternType, bindings_for
from convenio_contracts.topics import Principal, Topic, all_topics

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


_STRIMZI_PATTERN = {PatternType.LITERAL: "literal", PatternType.PREFIXED: "prefix"}


def expected_acls(principal: Principal) -> set[Acl]:
    """The principal's rules, from the same derivation the local broker's ACLs use."""
    return {
        Acl(
            b.resource_type.value,
            b.resource_name,
            _STRIMZI_PATTERN[b.pattern_type],
            b.operation.value,
        )
        for b in bindings_for(principal)
    }


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
