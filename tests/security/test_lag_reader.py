"""KEDA's principal on the real broker: it reads a service's lag (the group's committed offsets
and the topic's end offsets) and nothing else: no record, no group membership."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import OffsetAndMetadata

from convenio_contracts.topics import Principal, topic
from secure_kafka import SecureKafka

from . import probes

pytestmark = [pytest.mark.connected, pytest.mark.slow]

INTAKE = "enrolment.intake.v1"
PARTITIONS = [TopicPartition(INTAKE, p) for p in range(topic(INTAKE).partitions)]
LAG = Principal.KEDA_LAG.value


async def _commit(options: dict, group: str, offset: int) -> None:
    consumer = AIOKafkaConsumer(**options, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(PARTITIONS)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp in PARTITIONS})
    finally:
        await consumer.stop()


async def _lag_as(options: dict, group: str) -> int:
    """What KEDA's Kafka scaler does: committed offsets of the group, end offsets of the topic."""
    admin = AIOKafkaAdminClient(**options)
    consumer = AIOKafkaConsumer(**options, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        committed = await admin.list_consumer_group_offsets(group, partitions=PARTITIONS)
        ends = await consumer.end_offsets(PARTITIONS)
        return sum(ends[tp] - committed[tp].offset for tp in PARTITIONS)
    finally:
        await consumer.stop()
        await admin.close()


def test_the_lag_reader_sees_a_services_lag(secure_kafka: SecureKafka) -> None:
    admin = secure_kafka.client_options()
    asyncio.run(probes.seed(admin, [INTAKE] * 3))
    asyncio.run(_commit(secure_kafka.client_options(Principal.SVC_ENROLMENT.value), "enrolment", 0))
    lag = asyncio.run(_lag_as(admin, "enrolment"))
    assert asyncio.run(_lag_as(secure_kafka.client_options(LAG), "enrolment")) == lag >= 3


def test_the_lag_reader_cannot_read_a_record_nor_use_a_group(secure_kafka: SecureKafka) -> None:
    asyncio.run(probes.seed(secure_kafka.client_options(), [INTAKE]))
    options = secure_kafka.client_options(LAG)
    assert asyncio.run(probes.may_read(options, INTAKE)) is False
    assert asyncio.run(probes.may_use_group(options, "enrolment", INTAKE)) is False
    assert asyncio.run(probes.may_use_group(options, f"{LAG}.probe", INTAKE)) is False
    assert asyncio.run(probes.may_write(options, [INTAKE])) == {INTAKE: False}
