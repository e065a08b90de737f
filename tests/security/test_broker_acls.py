"""The whole ACL matrix on the real authenticated broker: every principal x topic x (read,
write), every principal x consumer group, and authentication itself. Expectations come from
the hand-written design matrix (``matrix.py``), not from the ACL derivation under test."""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any

import pytest

from convenio_chassis.acl_admin import current_acls, set_scram_password, sync_acls, to_confluent
from convenio_chassis.kafka import make_producer
from convenio_contracts.acl import AclBinding, acl_bindings
from convenio_contracts.topics import CONSUMER_GROUPS, Principal, all_topics
from kafka_local import run_java_tool
from secure_kafka import SecureKafka

from . import probes
from .matrix import FACT_TOPICS, design_allows_read, design_allows_write

pytestmark = [pytest.mark.connected, pytest.mark.slow]

P = Principal
TOPICS = [t.name for t in all_topics()]
GROUPS = [*CONSUMER_GROUPS.values(), *(f"{p}.acl-probe" for p in Principal)]


@dataclass(frozen=True)
class Observed:
    read: dict[str, bool]
    write: dict[str, bool]


@pytest.fixture(scope="module")
def observed(secure_kafka: SecureKafka) -> dict[Principal, Observed]:
    """What the broker lets each principal do with each topic, found by doing it."""
    asyncio.run(probes.seed(secure_kafka.client_options(), TOPICS))
    began = time.monotonic()

    async def one(principal: Principal) -> tuple[Principal, Observed]:
        options = secure_kafka.client_options(principal.value)
        writes = await probes.may_write(options, TOPICS)
        reads = {t: await probes.may_read(options, t) for t in TOPICS}
        return principal, Observed(reads, writes)

    async def everyone() -> list[tuple[Principal, Observed]]:
        return await asyncio.gather(*(one(p) for p in Principal))

    result = dict(asyncio.run(everyone()))
    checks = 2 * len(Principal) * len(TOPICS)
    print(f"\nACL matrix: {checks} topic checks on the broker in {time.monotonic() - began:.1f} s")
    return result


def _mismatches(principal: Principal, seen: Observed) -> list[str]:
    wrong = []
    for topic in TOPICS:
        for operation, got, expected in (
            ("read", seen.read[topic], design_allows_read(principal, topic)),
            ("write", seen.write[topic], design_allows_write(principal, topic)),
        ):
            if got is not expected:
                verdict = "allowed" if got else "refused"
                wrong.append(f"{principal} {operation} {topic}: {verdict}, design says otherwise")
    return wrong


@pytest.mark.parametrize("principal", list(Principal))
def test_the_broker_enforces_the_design_matrix(
    principal: Principal, observed: dict[Principal, Observed]
) -> None:
    assert _mismatches(principal, observed[principal]) == []


def test_onc_feed_reads_the_feed_and_is_refused_training(
    observed: dict[Principal, Observed],
) -> None:
    feed = observed[P.ONC_FEED]
    assert feed.read["reporting.indicators.v1"] is True
    assert feed.read["reporting.findings.v1"] is True
    assert feed.read["enrolment.training.v1"] is False
    assert [t for t, ok in feed.write.items() if ok] == []


def test_an_agency_publisher_cannot_write_any_fact_topic(
    observed: dict[Principal, Observed],
) -> None:
    publisher = observed[P.AGENCY_PUBLISHER]
    assert publisher.write["enrolment.intake.v1"] is True
    assert [t for t in FACT_TOPICS if publisher.write[t]] == []


def test_reporting_cannot_write_any_enrolment_topic(observed: dict[Principal, Observed]) -> None:
    enrolment = [t for t in TOPICS if t.startswith("enrolment.")]
    assert [t for t in enrolment if observed[P.SVC_REPORTING].write[t]] == []


def _own_group(principal: Principal, group: str) -> bool:
    if principal is P.KEDA_LAG:
        return False  # reads lag with Describe only: a member of no group
    if principal in CONSUMER_GROUPS:
        return group == CONSUMER_GROUPS[principal]
    return group.startswith(f"{principal}.")


def test_each_principal_commits_only_in_its_own_consumer_groups(
    secure_kafka: SecureKafka,
) -> None:
    async def check(principal: Principal) -> list[str]:
        options = secure_kafka.client_options(principal.value)
        readable = next((t for t in TOPICS if design_allows_read(principal, t)), TOPICS[0])
        wrong = []
        for group in GROUPS:
            allowed = await probes.may_use_group(options, group, readable)
            if allowed is not _own_group(principal, group):
                wrong.append(f"{principal} in group {group}: {'allowed' if allowed else 'refused'}")
        return wrong

    async def everyone() -> list[list[str]]:
        return await asyncio.gather(*(check(p) for p in Principal))

    assert [w for wrong in asyncio.run(everyone()) for w in wrong] == []


def test_a_wrong_password_or_an_unknown_user_is_refused(secure_kafka: SecureKafka) -> None:
    bootstrap = secure_kafka.bootstrap

    async def outcomes() -> dict[str, bool]:
        found = {}
        for p in Principal:
            password = secure_kafka.password(p.value)
            found[f"{p} right"] = await probes.authenticates(bootstrap, p.value, password)
            found[f"{p} wrong"] = await probes.authenticates(bootstrap, p.value, password + "x")
        found["stranger"] = await probes.authenticates(bootstrap, "mallory", "guess")
        return found

    found = asyncio.run(outcomes())
    assert found == {key: key.endswith(" right") for key in found}


def test_every_service_publishes_idempotently_with_no_cluster_grant(
    secure_kafka: SecureKafka,
) -> None:
    """The relay's producer (enable_idempotence) needs only Write on a topic (KIP-679)."""
    own_topic = {
        P.SVC_ENROLMENT: "enrolment.officer.v1",
        P.SVC_EVALUATION: "evaluation.assessment.v1",
        P.SVC_REPORTING: "reporting.findings.v1",
    }

    async def publish(principal: Principal, topic: str) -> int:
        producer = make_producer(secure_kafka.settings(principal.value), client_id="acl-test")
        await producer.start()
        try:
            return (await producer.send_and_wait(topic, b"idempotent", key=b"k")).offset
        finally:
            await producer.stop()

    for principal, topic in own_topic.items():
        assert asyncio.run(publish(principal, topic)) >= 0


_ACL_LINE = re.compile(r"principal=User:([^,]+), host=\*, operation=(\w+), permissionType=ALLOW")
_RESOURCE = re.compile(r"resourceType=(\w+), name=([^,]+), patternType=(\w+)")


def _acl_command_listing(kafka: SecureKafka) -> set[tuple[str, ...]]:
    """The broker's ACLs as Kafka's own Java tool lists them: an independent reader."""
    config = kafka.workdir / "admin.properties"
    config.write_text(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="admin" password="{kafka.password("admin")}";\n'
    )
    output = run_java_tool(
        "org.apache.kafka.tools.AclCommand",
        ["--bootstrap-server", kafka.bootstrap, "--command-config", str(config), "--list"],
    )
    listed: set[tuple[str, ...]] = set()
    resource: tuple[str, ...] = ()
    for line in output.splitlines():
        if match := _RESOURCE.search(line):
            resource = match.groups()
        elif match := _ACL_LINE.search(line):
            listed.add((match[1], *resource, match[2]))
    return listed


def _as_listed(binding: AclBinding) -> tuple[str, ...]:
    return (
        binding.principal.value,
        binding.resource_type.upper(),
        binding.resource_name,
        binding.pattern_type.upper(),
        binding.operation.upper(),
    )


def test_kafkas_own_tool_lists_exactly_the_derived_acls(secure_kafka: SecureKafka) -> None:
    assert _acl_command_listing(secure_kafka) == {_as_listed(b) for b in acl_bindings()}


def test_a_grant_outside_the_catalogue_is_removed_by_the_next_sync(
    secure_kafka: SecureKafka,
) -> None:
    """The catalogue is the truth: a hand-made grant works until the sync takes it away."""
    from confluent_kafka.admin import AdminClient

    from convenio_chassis.acl_admin import admin_config
    from convenio_contracts.acl import Operation, PatternType, ResourceType

    admin = secure_kafka.settings("admin")
    stray = AclBinding(
        P.ONC_FEED, ResourceType.TOPIC, "enrolment.training.v1", PatternType.LITERAL,
        Operation.READ,
    )  # fmt: skip
    client = AdminClient(admin_config(admin))
    # A record to read, so that 'readable' is shown whatever ran before (or nothing did).
    asyncio.run(probes.seed(secure_kafka.client_options(), ["enrolment.training.v1"]))
    for future in client.create_acls([to_confluent(stray)]).values():
        future.result(timeout=30)
    feed = secure_kafka.client_options(P.ONC_FEED.value)
    _until(lambda: asyncio.run(probes.may_read(feed, "enrolment.training.v1")))

    changes = sync_acls(admin)

    assert [b.name for b in changes.deleted] == ["enrolment.training.v1"]
    assert changes.created == ()
    assert asyncio.run(probes.may_read(feed, "enrolment.training.v1")) is False
    assert len(current_acls(client)) == len(acl_bindings())


def test_a_rotated_password_replaces_the_old_one_at_once(secure_kafka: SecureKafka) -> None:
    user = P.EVALUATOR.value
    old = secure_kafka.password(user)
    new = old[::-1]
    admin = secure_kafka.settings("admin")
    bootstrap = secure_kafka.bootstrap
    set_scram_password(admin, user, new)
    try:
        assert asyncio.run(probes.authenticates(bootstrap, user, new)) is True
        assert asyncio.run(probes.authenticates(bootstrap, user, old)) is False
    finally:
        set_scram_password(admin, user, old)
    assert asyncio.run(probes.authenticates(bootstrap, user, old)) is True


def _until(probe: Any, timeout: float = 30.0) -> None:
    """A hand-made grant reaches the broker's authorizer a moment after it is accepted."""
    deadline = time.monotonic() + timeout
    while not probe():
        assert time.monotonic() < deadline, "the broker never applied the grant"
        time.sleep(0.2)
