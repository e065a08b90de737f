"""Fixtures for cross-service tests: a real Kafka broker and the services as real processes.

The broker comes from ``KAFKA_BOOTSTRAP_SERVERS`` when set; otherwise from testcontainers when
a Docker engine answers; otherwise the local broker built from Maven Central jars
(``deploy/local/kafka_local.py``): see ``tests/infrastructure.py``. Nothing here is an
in-memory stand-in.
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

from . import infrastructure  # noqa: E402


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real broker for the whole session (shared by tests that use distinct topics)."""
    source = infrastructure.kafka_source(
        os.environ,
        docker=not os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and infrastructure.docker_reachable(),
    )
    if source is infrastructure.Source.ENVIRONMENT:
        bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
        infrastructure.USED["Kafka"] = f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}"
        yield bootstrap
    elif source is infrastructure.Source.TESTCONTAINERS:
        with infrastructure.kafka_container() as bootstrap:
            infrastructure.USED["Kafka"] = f"testcontainers {infrastructure.KAFKA_IMAGE}"
            yield bootstrap
    else:
        with LocalKafka(tmp_path_factory.mktemp("kafka")) as broker:
            infrastructure.USED["Kafka"] = f"local broker from Maven jars at {broker.bootstrap}"
            yield broker.bootstrap


@pytest.fixture(scope="module")
def private_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalKafka]:
    """A broker of this module's own: full-stack tests use the catalogue's fixed topic and
    group names, so each stack gets a clean cluster."""
    with LocalKafka(tmp_path_factory.mktemp("kafka")) as broker:
        yield broker
