"""docker-compose.yml against the Compose Specification's JSON Schema (vendored), and the start
order the stack needs: Kafka healthy -> topics created -> own database healthy -> service, which
migrates its database before it reports ready."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from convenio_deploy.compose import COMPOSE_FILE, validate_compose

Compose = dict[str, Any]


def broken_copy(tmp_path: Path, change: Callable[[Compose], None]) -> Path:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    change(compose)
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(compose, sort_keys=False))
    return path


def test_the_compose_file_passes_every_check() -> None:
    assert validate_compose() == []


def test_the_demo_is_opt_in() -> None:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    assert compose["services"]["demo"]["profiles"] == ["demo"]


def misspell_restart(compose: Compose) -> None:
    compose["services"]["kafka"]["restat"] = compose["services"]["kafka"].pop("restart")


def share_a_database(compose: Compose) -> None:
    environment = compose["services"]["reporting"]["environment"]
    environment["DATABASE_URL"] = "postgresql://enrolment@enrolment-db:5432/enrolment"


def start_before_the_topics(compose: Compose) -> None:
    del compose["services"]["evaluation"]["depends_on"]["kafka-topics"]


def leave_the_database_unmigrated(compose: Compose) -> None:
    compose["services"]["enrolment"]["environment"]["MIGRATE_ON_START"] = "false"


def drop_a_healthcheck(compose: Compose) -> None:
    del compose["services"]["kafka"]["healthcheck"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (misspell_restart, "services.kafka: 'restat' does not match any of the regexes: '^x-'"),
        (share_a_database, "reporting: DATABASE_URL must point at its own PostgreSQL"),
        (start_before_the_topics, "evaluation: must start after the topics exist"),
        (leave_the_database_unmigrated, "enrolment: MIGRATE_ON_START must stay true"),
        (drop_a_healthcheck, "kafka-topics: waits for kafka to be healthy, it has no check"),
    ],
)
def test_a_broken_compose_file_is_refused(
    tmp_path: Path, change: Callable[[Compose], None], expected: str
) -> None:
    problems = validate_compose(broken_copy(tmp_path, change))
    assert any(p.startswith(expected) for p in problems), problems
