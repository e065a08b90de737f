"""The ACLs derived from the catalogue grant exactly design.md's matrix, and nothing else."""

from __future__ import annotations

import itertools

import pytest

from convenio_contracts.acl import (
    AclBinding,
    Operation,
    PatternType,
    ResourceType,
    acl_bindings,
    bindings_for,
    consumer_group_pattern,
    may,
    may_use_group,
)
from convenio_contracts.topics import CONSUMER_GROUPS, Principal, all_topics, subscriptions

from .matrix import FACT_TOPICS, design_allows_describe, design_allows_read, design_allows_write

P = Principal
TOPICS = [t.name for t in all_topics()]
CELLS = list(itertools.product(Principal, TOPICS))


@pytest.mark.parametrize(("principal", "topic"), CELLS)
def test_write_access_is_what_the_design_matrix_says(principal: Principal, topic: str) -> None:
    assert may(principal, Operation.WRITE, topic) is design_allows_write(principal, topic)


@pytest.mark.parametrize(("principal", "topic"), CELLS)
def test_read_access_is_what_the_design_matrix_says(principal: Principal, topic: str) -> None:
    assert may(principal, Operation.READ, topic) is design_allows_read(principal, topic)


@pytest.mark.parametrize(("principal", "topic"), CELLS)
def test_a_principal_may_describe_exactly_the_topics_it_uses(
    principal: Principal, topic: str
) -> None:
    assert may(principal, Operation.DESCRIBE, topic) is design_allows_describe(principal, topic)


def test_onc_feed_reads_the_feed_and_nothing_that_names_an_officer() -> None:
    assert may(P.ONC_FEED, Operation.READ, "reporting.indicators.v1")
    assert may(P.ONC_FEED, Operation.READ, "reporting.findings.v1")
    for topic in ("enrolment.training.v1", "enrolment.officer.v1", "enrolment.intake.v1"):
        assert not may(P.ONC_FEED, Operation.READ, topic)
    assert not any(may(P.ONC_FEED, Operation.WRITE, t) for t in TOPICS)


def test_an_agency_publisher_cannot_write_any_fact_topic() -> None:
    assert [t for t in FACT_TOPICS if may(P.AGENCY_PUBLISHER, Operation.WRITE, t)] == []


def test_reporting_cannot_write_what_ums_owns() -> None:
    ums = [t for t in TOPICS if t.startswith(("enrolment.", "evaluation."))]
    assert ums
    assert [t for t in ums if may(P.SVC_REPORTING, Operation.WRITE, t)] == []


def test_no_binding_uses_a_wildcard_or_grants_the_cluster() -> None:
    rules = acl_bindings()
    assert all("*" not in r.resource_name for r in rules)
    assert {r.resource_type for r in rules} == {ResourceType.TOPIC, ResourceType.GROUP}
    prefixed = [r for r in rules if r.pattern_type is PatternType.PREFIXED]
    assert all(r.resource_type is ResourceType.GROUP for r in prefixed)


def test_bindings_are_unique_sorted_and_stable() -> None:
    rules = acl_bindings()
    assert len(rules) == len(set(rules))
    for principal in Principal:
        mine = bindings_for(principal)
        assert list(mine) == sorted(mine)
        assert all(r.principal is principal for r in mine)
    assert acl_bindings() == rules


def test_each_service_uses_its_own_consumer_group_and_no_other() -> None:
    for principal, group in CONSUMER_GROUPS.items():
        assert may_use_group(principal, group)
        others = [g for p, g in CONSUMER_GROUPS.items() if p is not principal]
        assert not any(may_use_group(principal, g) for g in others)


@pytest.mark.parametrize(
    "principal",
    [p for p in Principal if p not in CONSUMER_GROUPS and p is not P.KEDA_LAG],
)
def test_an_outside_reader_names_its_groups_under_its_own_prefix(principal: Principal) -> None:
    assert consumer_group_pattern(principal) == (f"{principal}.", PatternType.PREFIXED)
    assert may_use_group(principal, f"{principal}.dashboard")
    assert not may_use_group(principal, str(principal))  # the prefix includes the dot
    assert not any(may_use_group(principal, g) for g in CONSUMER_GROUPS.values())
    strangers = [f"{p}.dashboard" for p in Principal if p is not principal]
    assert not any(may_use_group(principal, g) for g in strangers)


def test_the_lag_reader_may_only_describe_the_services_groups_and_topics() -> None:
    rules = bindings_for(P.KEDA_LAG)
    assert {r.operation for r in rules} == {Operation.DESCRIBE}
    assert {r.pattern_type for r in rules} == {PatternType.LITERAL}
    groups = {r.resource_name for r in rules if r.resource_type is ResourceType.GROUP}
    assert groups == set(CONSUMER_GROUPS.values())
    consumed = {t.name for p in CONSUMER_GROUPS for t in subscriptions(p)}
    assert {r.resource_name for r in rules if r.resource_type is ResourceType.TOPIC} == consumed
    assert not any(
        may(P.KEDA_LAG, op, t) for op in (Operation.READ, Operation.WRITE) for t in TOPICS
    )
    assert not any(may_use_group(P.KEDA_LAG, g) for g in CONSUMER_GROUPS.values())


def test_group_patterns_of_different_principals_never_overlap() -> None:
    names = [consumer_group_pattern(p)[0] for p in Principal]
    for a, b in itertools.permutations(names, 2):
        assert not a.startswith(b), (a, b)


def test_read_or_write_implies_describe_as_the_broker_does() -> None:
    rule = AclBinding(P.ONC_FEED, ResourceType.TOPIC, "t", PatternType.LITERAL, Operation.READ)
    assert rule.allows(Operation.DESCRIBE)
    assert not rule.allows(Operation.WRITE)
    assert rule.kafka_principal == "User:onc-feed"


def test_a_topic_added_to_the_catalogue_is_granted_only_as_it_says() -> None:
    from dataclasses import replace

    from convenio_contracts.topics import REPORTING_FINDINGS

    extra = replace(REPORTING_FINDINGS, name="reporting.methodology.v1", readers=())
    rules = acl_bindings((*all_topics(), extra))
    holders = {r.principal for r in rules if r.resource_name == extra.name}
    assert holders == {P.SVC_REPORTING}
