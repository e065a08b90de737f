"""The KafkaTopic, KafkaUser and workload manifests are generated from the topic catalogue;
the committed files must be exactly the generator's output (`make k8s` rewrites them)."""

from __future__ import annotations

from convenio_contracts.topics import (
    CONSUMER_GROUPS,
    REPORTING_FINDINGS,
    REPORTING_INDICATORS,
    Principal,
    all_topics,
    dead_letter_topics,
)
from convenio_deploy import manifests, strimzi
from convenio_deploy.strimzi import Acl


def test_committed_manifests_are_the_generated_ones() -> None:
    assert manifests.drift() == [], "run `make k8s` and commit the result"


def test_every_catalogued_and_dead_letter_topic_has_a_kafka_topic() -> None:
    generated = {t["spec"]["topicName"]: t["spec"] for t in strimzi.kafka_topics()}
    assert set(generated) == {t.name for t in all_topics()}
    assert {t.name for t in dead_letter_topics()} <= set(generated)
    for topic in all_topics():
        assert generated[topic.name]["partitions"] == topic.partitions
        assert generated[topic.name]["config"] == topic.kafka_config()


def test_every_principal_has_a_scram_user() -> None:
    users = {u["metadata"]["name"]: u for u in strimzi.kafka_users()}
    assert set(users) == {p.value for p in Principal}
    assert {u["spec"]["authentication"]["type"] for u in users.values()} == {"scram-sha-512"}


def test_a_service_reads_its_own_group_and_only_its_topics() -> None:
    acls = strimzi.expected_acls(Principal.SVC_REPORTING)
    assert Acl("group", CONSUMER_GROUPS[Principal.SVC_REPORTING], "literal", "Read") in acls
    assert Acl("topic", "enrolment.officer.v1", "literal", "Read") in acls
    assert Acl("topic", "enrolment.officer.v1", "literal", "Write") not in acls
    assert Acl("topic", REPORTING_INDICATORS.name, "literal", "Write") in acls


def test_the_onc_feed_reads_the_feed_with_a_group_named_after_it() -> None:
    feed = (REPORTING_INDICATORS.name, REPORTING_FINDINGS.name)
    assert strimzi.expected_acls(Principal.ONC_FEED) == {
        *(Acl("topic", name, "literal", op) for name in feed for op in ("Read", "Describe")),
        Acl("group", "onc-feed.", "prefix", "Read"),
    }


def test_no_topic_acl_is_a_wildcard() -> None:
    for user in strimzi.kafka_users():
        for acl in strimzi.acls_of(user):
            if acl.resource_type == "topic":
                assert acl.pattern == "literal"
                assert "*" not in acl.name
            assert acl.operation != "All"
