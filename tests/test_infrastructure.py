"""Which broker and database a run takes: the caller's address first, then testcontainers
where a Docker engine answers, then our own servers on 127.0.0.1."""

from __future__ import annotations

import pytest

from tests.infrastructure import Source, docker_reachable, kafka_source, postgres_source


@pytest.mark.parametrize(
    ("environ", "docker", "expected"),
    [
        ({"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}, True, Source.ENVIRONMENT),
        ({"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9092"}, False, Source.ENVIRONMENT),
        ({}, True, Source.TESTCONTAINERS),
        ({}, False, Source.LOCAL),
        ({"KAFKA_BOOTSTRAP_SERVERS": ""}, False, Source.LOCAL),
    ],
)
def test_the_broker_is_chosen_in_order(
    environ: dict[str, str], docker: bool, expected: Source
) -> None:
    assert kafka_source(environ, docker) is expected


@pytest.mark.parametrize(
    ("environ", "docker", "expected"),
    [
        ({"TEST_DATABASE_URL": "postgresql://127.0.0.1/x"}, True, Source.ENVIRONMENT),
        ({}, True, Source.TESTCONTAINERS),
        ({}, False, Source.LOCAL),
    ],
)
def test_the_database_is_chosen_in_order(
    environ: dict[str, str], docker: bool, expected: Source
) -> None:
    assert postgres_source(environ, docker) is expected


def test_an_engine_that_does_not_answer_is_not_reachable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Docker client alone (these machines have one) is not an engine."""
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    assert docker_reachable() is False


def test_testcontainers_modules_import_from_the_installed_path() -> None:
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.postgres import PostgresContainer

    assert hasattr(KafkaContainer, "with_kraft")
    assert PostgresContainer.__name__ == "PostgresContainer"
