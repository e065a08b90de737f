"""Fixtures for cross-service tests: a real Kafka broker and the services as real processes.

The broker comes from ``KAFKA_BOOTSTRAP_SERVERS`` when set; otherwise from testcontainers when
a Docker engine answers; otherwise the local broker built from Maven Central jars
(``deploy/local/kafka_local.py``). Nothing here is an in-memory stand-in.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

from kafka_local import LocalKafka  # noqa: E402


def _docker_kafka() -> Iterator[str] | None:
    try:
        import docker  # type: ignore[import-not-found]
        from testcontainers.kafka import KafkaContainer  # type: ignore[import-not-found]

        docker.from_env().ping()
    except Exception:
        return None

    def run() -> Iterator[str]:
        with KafkaContainer("apache/kafka:4.1.1").with_kraft() as container:
            yield container.get_bootstrap_server()

    return run()


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real broker for the whole session (shared by tests that use distinct topics)."""
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield bootstrap
        return
    if (containers := _docker_kafka()) is not None:
        yield from containers
        return
    with LocalKafka(tmp_path_factory.mktemp("kafka")) as broker:
        yield broker.bootstrap


@pytest.fixture(scope="module")
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """A broker of this module's own: full-stack tests use the catalogue's fixed topic and
    group names, so each stack gets a clean cluster."""
    with LocalKafka(tmp_path_factory.mktemp("kafka")) as broker:
        yield broker
