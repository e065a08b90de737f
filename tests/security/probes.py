"""Ask the real broker what a principal may do, by doing it: produce a record, consume from
offset zero, commit a group offset, authenticate. Each probe answers True (done) or False
(refused by the broker); anything else is not an answer and raises."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.conn import create_conn
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
)
from aiokafka.structs import OffsetAndMetadata

PROBE = b"acl-probe"
READ_WITHIN_S = 15.0


class Inconclusive(AssertionError):
    """The broker neither served nor refused: the probe proves nothing."""


async def seed(options: Mapping[str, Any], topics: list[str]) -> None:
    """One keyed record per topic (compacted topics refuse null keys), so an allowed read has
    something to return and 'allowed' is shown, not inferred from silence."""
    producer = AIOKafkaProducer(**options, acks="all")
    await producer.start()
    try:
        for topic in topics:
            await producer.send_and_wait(topic, PROBE, key=PROBE)
    finally:
        await producer.stop()


async def may_write(options: Mapping[str, Any], topics: list[str]) -> dict[str, bool]:
    producer = AIOKafkaProducer(**options, acks="all")
    await producer.start()
    outcome: dict[str, bool] = {}
    try:
        for topic in topics:
            try:
                await producer.send_and_wait(topic, PROBE, key=PROBE)
            except TopicAuthorizationFailedError:
                outcome[topic] = False
            else:
                outcome[topic] = True
    finally:
        await producer.stop()
    return outcome


async def may_read(options: Mapping[str, Any], topic: str) -> bool:
    """Consume ``topic`` from the beginning without a group: the topic's own ACL decides."""
    consumer = AIOKafkaConsumer(
        topic, **options, group_id=None, auto_offset_reset="earliest", enable_auto_commit=False
    )
    try:
        await consumer.start()
        async with asyncio.timeout(READ_WITHIN_S):
            while True:
                if any((await consumer.getmany(timeout_ms=500)).values()):
                    return True
    except TopicAuthorizationFailedError:
        return False
    except TimeoutError as exc:
        raise Inconclusive(f"{topic}: neither a record nor a refusal") from exc
    finally:
        await consumer.stop()


async def may_use_group(options: Mapping[str, Any], group: str, topic: str) -> bool:
    """Commit an offset for ``topic`` in ``group``: what a consumer in that group must do."""
    consumer = AIOKafkaConsumer(**options, group_id=group, enable_auto_commit=False)
    partition = TopicPartition(topic, 0)
    try:
        await consumer.start()
        consumer.assign([partition])
        async with asyncio.timeout(READ_WITHIN_S):
            await consumer.commit({partition: OffsetAndMetadata(0, "")})
    except GroupAuthorizationFailedError:
        return False
    finally:
        await consumer.stop()
    return True


async def authenticates(bootstrap: str, user: str, password: str) -> bool:
    """One SASL/SCRAM-SHA-512 handshake, nothing else."""
    host, _, port = bootstrap.rpartition(":")
    try:
        conn = await create_conn(
            host,
            int(port),
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_plain_username=user,
            sasl_plain_password=password,
        )
    except SaslAuthenticationFailed:
        return False
    with contextlib.suppress(Exception):
        conn.close()
    return True
