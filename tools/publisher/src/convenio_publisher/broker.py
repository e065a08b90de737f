"""The Kafka side of the CLI: a connection from a librdkafka-style ``client.properties`` (the
same file kcat reads with ``-F``), bulk publishing, and reading one's own rejections back."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from convenio_contracts import encode
from convenio_contracts.rejections import REJECTION_BY_SERVICE
from convenio_contracts.topics import topic as catalogue_topic
from convenio_contracts.topics import topic_for

from .records import Record

PROPERTY_KEYS = {
    "bootstrap.servers",
    "security.protocol",
    "sasl.mechanism",
    "sasl.mechanisms",
    "sasl.username",
    "sasl.password",
    "ssl.ca.location",
}


def read_properties(path: Path) -> dict[str, str]:
    """``key=value`` lines; ``#`` comments. Unknown keys are kept and ignored."""
    props = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            key, _, value = line.partition("=")
            props[key.strip()] = value.strip()
    return props


def connection(bootstrap: str | None, properties: dict[str, str]) -> dict[str, Any]:
    """aiokafka keyword arguments from the properties (``--bootstrap`` wins)."""
    servers = bootstrap or properties.get("bootstrap.servers")
    if not servers:
        raise ValueError("no broker: give --bootstrap or bootstrap.servers in --config")
    options: dict[str, Any] = {"bootstrap_servers": servers}
    protocol = properties.get("security.protocol", "PLAINTEXT").upper()
    options["security_protocol"] = protocol
    if protocol.startswith("SASL"):
        options["sasl_mechanism"] = (
            properties.get("sasl.mechanism") or properties.get("sasl.mechanisms") or "SCRAM-SHA-512"
        ).upper()
        options["sasl_plain_username"] = properties.get("sasl.username")
        options["sasl_plain_password"] = properties.get("sasl.password")
    if protocol.endswith("SSL"):
        context = ssl.create_default_context(cafile=properties.get("ssl.ca.location"))
        options["ssl_context"] = context
    return options


def rejection_topics() -> tuple[str, ...]:
    """Where each service's refusals go, from the catalogue."""
    return tuple(sorted({topic_for(cls.event_type).name for cls in REJECTION_BY_SERVICE.values()}))


REFUSED, DEAD_LETTERED = "refused", "dead_lettered"
KINDS = (REFUSED, DEAD_LETTERED)


@dataclass(frozen=True)
class Rejection:
    """A refusal, or a dead-letter notice (ADR 0098) read as one: then ``rejected_event_id``
    is the record's ``ce_id`` (empty if it had none) and ``message`` says where it was."""

    time: dt.datetime
    rejected_event_id: str
    rejected_event_type: str
    reason: str
    message: str
    service: str
    kind: str = REFUSED


async def publish(
    options: dict[str, Any],
    records: Iterable[Record],
    *,
    source: str,
    on_sent: Callable[[Record], None],
    in_flight: int = 5000,
) -> int:
    """Send every record (acks=all, idempotent producer); ``on_sent`` after each is acked."""
    producer = AIOKafkaProducer(
        **options,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=512 * 1024,
        request_timeout_ms=30_000,
    )
    await producer.start()
    sent = 0
    try:
        pending: list[tuple[Record, asyncio.Future[Any]]] = []
        now = dt.datetime.now(dt.UTC)

        async def drain() -> None:
            nonlocal sent
            for record, future in pending:
                await future
                on_sent(record)
                sent += 1
            pending.clear()

        for record in records:
            out = encode(record.event, source=source, event_id=record.ce_id, time=now)
            future = await producer.send(
                topic_for(record.event_type).name, out.value, key=out.key, headers=out.headers
            )
            pending.append((record, future))
            if len(pending) >= in_flight:
                await drain()
        await drain()
    finally:
        await producer.stop()
    return sent


async def rejections(
    options: dict[str, Any],
    since: dt.datetime,
    *,
    ids: set[str] | None = None,
    idle_seconds: float = 2.0,
    expect: int | None = None,
) -> list[Rejection]:
    """The refusals published since ``since`` (only those of ``ids`` when given), read until
    the topics are idle for ``idle_seconds`` or ``expect`` of them have arrived."""
    consumer = AIOKafkaConsumer(**options, group_id=None, enable_auto_commit=False)
    await consumer.start()
    found: list[Rejection] = []
    try:
        # The topics are created from the catalogue, with its partition counts.
        partitions = [
            TopicPartition(name, p)
            for name in rejection_topics()
            for p in range(catalogue_topic(name).partitions)
        ]
        consumer.assign(partitions)
        offsets = await consumer.offsets_for_times(
            {tp: int(since.timestamp() * 1000) for tp in partitions}
        )
        ends = await consumer.end_offsets(partitions)
        for tp in partitions:
            found_offset = offsets.get(tp)
            consumer.seek(tp, found_offset.offset if found_offset else ends[tp])
        last = time.monotonic()
        while time.monotonic() - last < idle_seconds:
            batch = await consumer.getmany(timeout_ms=200, max_records=5000)
            for messages in batch.values():
                for m in messages:
                    rejection = _rejection(m)
                    if rejection and (ids is None or rejection.rejected_event_id in ids):
                        found.append(rejection)
                        last = time.monotonic()
            if expect is not None and len(found) >= expect:
                break
            if batch:
                last = max(last, time.monotonic() - idle_seconds / 2)
    finally:
        await consumer.stop()
    return found


def _rejection(message: Any) -> Rejection | None:
    headers = {k: v.decode("utf-8", "replace") for k, v in message.headers or ()}
    try:
        data = json.loads(message.value)
    except (TypeError, ValueError):
        return None
    ce_type = headers.get("ce_type", "")
    service = ce_type.split(".")[2:3]
    if ce_type.endswith(".intake.dead_lettered.v1"):
        where = (data.get("original_topic"), data.get("original_partition"))
        return Rejection(
            time=dt.datetime.fromtimestamp(message.timestamp / 1000, dt.UTC),
            rejected_event_id=str(data.get("original_event_id") or ""),
            rejected_event_type=str(data.get("original_event_type") or ""),
            reason=str(data.get("reason", "")),
            message="dead-lettered at {}[{}]@{}".format(*where, data.get("original_offset")),
            service=service[0] if service else "",
            kind=DEAD_LETTERED,
        )
    return Rejection(
        time=dt.datetime.fromtimestamp(message.timestamp / 1000, dt.UTC),
        rejected_event_id=str(data.get("rejected_event_id", "")),
        rejected_event_type=str(data.get("rejected_event_type", "")),
        reason=str(data.get("reason", "")),
        message=str(data.get("message", "")),
        service=service[0] if service else "",
    )
