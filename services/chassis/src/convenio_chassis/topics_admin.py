"""Create every catalogued topic (and the dead-letter topics) on a cluster, idempotently.

``python -m convenio_chassis.topics_admin`` uses the same ``KAFKA_*`` settings as the services,
with an administrator's credentials; it creates what is missing and changes no existing topic.
In Kubernetes, Strimzi ``KafkaTopic`` resources generated from the same catalogue do this.
"""

from __future__ import annotations

import asyncio
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from convenio_contracts.topics import Topic, all_topics

from .cli import parser
from .kafka import client_kwargs
from .settings import KafkaSettings

log = logging.getLogger(__name__)


async def ensure_topics(
    settings: KafkaSettings, topics: tuple[Topic, ...] | None = None
) -> list[str]:
    """Create what is missing; returns the names created."""
    topics = topics or all_topics()
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        if missing:
            new = [
                NewTopic(
                    t.name,
                    t.partitions,
                    1 if _single_node(admin) else 3,
                    topic_configs=t.kafka_config(),
                )
                for t in missing
            ]
            response = await admin.create_topics(new)
            _raise_topic_errors(response.topic_errors)
        return [t.name for t in missing]
    finally:
        await admin.close()


def _raise_topic_errors(topic_errors: list[tuple[object, ...]]) -> None:
    """aiokafka returns per-topic errors instead of raising them."""
    for name, code, *rest in topic_errors:
        error = for_code(int(code))  # type: ignore[call-overload]
        if code and error is not TopicAlreadyExistsError:  # a concurrent creator won the race
            message = rest[0] if rest else ""
            raise error(f"cannot create topic {name}: {message}")


def _single_node(admin: AIOKafkaAdminClient) -> bool:
    return len(admin._client.cluster.brokers()) < 3


def main(argv: list[str] | None = None) -> None:
    parser("python -m convenio_chassis.topics_admin", __doc__ or "", [KafkaSettings]).parse_args(
        argv
    )
    logging.basicConfig(level=logging.INFO)
    created = asyncio.run(ensure_topics(KafkaSettings()))
    print(f"created {len(created)} topic(s): {', '.join(created) or '-'}")


if __name__ == "__main__":
    main()
