"""Publishing intake as agency systems do: plain aiokafka, idempotent, acks from all replicas.
Either as fast as the producer goes (throughput) or at a fixed offered rate (latency)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from aiokafka import AIOKafkaProducer

from .intake import IntakeRecord

TopicOf = Callable[[IntakeRecord], str]


def agency_producer(bootstrap: str) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        client_id="bench-agency",
        acks="all",
        enable_idempotence=True,
        linger_ms=5,
        max_batch_size=256 * 1024,
        max_request_size=8 * 1024 * 1024,
        request_timeout_ms=120_000,
    )


async def publish_fast(
    producer: AIOKafkaProducer, records: Sequence[IntakeRecord], topic_of: TopicOf
) -> float:
    """Send everything without waiting between records; return when all are acknowledged."""
    deliveries = []
    for r in records:
        deliveries.append(await producer.send(topic_of(r), r.value, key=r.key, headers=r.headers))
    await asyncio.gather(*deliveries)
    return time.monotonic()


async def publish_paced(
    producer: AIOKafkaProducer,
    records: Sequence[IntakeRecord],
    topic_of: TopicOf,
    rate: float,
    sent_at: dict[int, float],
) -> float:
    """Offer ``rate`` records a second; ``sent_at[seq]`` is the wall-clock moment each was
    handed to the producer (the agency's publish time)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    deliveries = []
    for n, r in enumerate(records):
        ahead = start + n / rate - loop.time()
        if ahead > 0:
            await asyncio.sleep(ahead)
        sent_at[r.seq] = time.time()
        deliveries.append(await producer.send(topic_of(r), r.value, key=r.key, headers=r.headers))
    await asyncio.gather(*deliveries)
    return loop.time() - start
