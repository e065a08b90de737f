"""The benchmark's own Kafka broker: the local one from deploy/local, on a fresh data directory,
so the catalogue's fixed topic and group names start empty on every run."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from convenio_contracts.topics import Topic

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "deploy" / "local"))

import contextlib

from kafka_local import KAFKA_VERSION, LocalKafka

__all__ = ["KAFKA_VERSION", "LocalKafka", "create_topics"]


async def _create(bootstrap: str, topics: Iterable[tuple[str, Topic]]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        new = [
            NewTopic(name, like.partitions, 1, topic_configs=like.kafka_config())
            for name, like in topics
            if name not in existing
        ]
        if new:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(new)
    finally:
        await admin.close()


def create_topics(bootstrap: str, topics: Iterable[tuple[str, Topic]]) -> None:
    """Create topics named as given, each with the partitions and configuration of a
    catalogue topic (single broker: replication factor 1)."""
    asyncio.run(_create(bootstrap, list(topics)))
