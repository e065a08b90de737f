"""docker-compose.yml against the Compose Specification's JSON Schema (vendored), the start
order the stack needs (Kafka healthy -> topics created -> own database healthy -> service, which
migrates its database before it reports ready) and what watches it: traces to Jaeger through
the collector, Prometheus scraping each service, Grafana with Prometheus and the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from convenio_deploy.compose import COMPOSE_FILE, REPO, validate_compose

Compose = dict[str, Any]
ROOT = REPO


def broken_copy(tmp_path: Path, change: Callable[[Compose], None]) -> Path:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    change(compose)
    path = tmp_path / "docker-compose.yml"
    path.write_text(yaml.safe_dump(compose, sort_keys=False))
    return path


def test_the_compose_file_passes_every_check() -> None:
    assert validate_compose() == []


def test_the_collector_sends_traces_to_jaeger() -> None:
    config = yaml.safe_load((ROOT / "deploy" / "compose" / "otel-collector.yaml").read_text())
    traces = config["service"]["pipelines"]["traces"]["exporters"]
    assert "otlp/jaeger" in traces
    assert config["exporters"]["otlp/jaeger"]["endpoint"] == "jaeger:4317"


def test_the_observability_ports_are_on_loopback_only() -> None:
    compose = yaml.safe_load(COMPOSE_FILE.read_text())
    for name in ("jaeger", "prometheus", "grafana"):
        ports = compose["services"][name]["ports"]
        assert ports, name
        assert all(p.startswith("127.0.0.1:") for p in ports), name


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


def drop_jaeger(compose: Compose) -> None:
    del compose["services"]["jaeger"]
    del compose["services"]["otel-collector"]["depends_on"]


def log_traces_only(compose: Compose) -> None:
    """Mount a collector configuration that exports traces to nothing but its log."""
    volumes = compose["services"]["otel-collector"]["volumes"]
    volumes[0] = "./deploy/compose/missing.yaml:/etc/otelcol/config.yaml:ro"


def scrape_from_nowhere(compose: Compose) -> None:
    compose["services"]["prometheus"]["volumes"][0] = "./deploy/compose/grafana:/etc/prometheus:ro"


def hide_the_dashboard(compose: Compose) -> None:
    volumes = compose["services"]["grafana"]["volumes"]
    compose["services"]["grafana"]["volumes"] = [v for v in volumes if "dashboards:" not in v]


def drop_the_lag_exporter(compose: Compose) -> None:
    del compose["services"]["kafka-exporter"]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (misspell_restart, "services.kafka: 'restat' does not match any of the regexes: '^x-'"),
        (share_a_database, "reporting: DATABASE_URL must point at its own PostgreSQL"),
        (start_before_the_topics, "evaluation: must start after the topics exist"),
        (leave_the_database_unmigrated, "enrolment: MIGRATE_ON_START must stay true"),
        (drop_a_healthcheck, "kafka-topics: waits for kafka to be healthy, it has no check"),
        (drop_jaeger, "no Jaeger (jaegertracing/jaeger): traces would only be logged"),
        (log_traces_only, "otel-collector: no collector configuration mounted"),
        (scrape_from_nowhere, "prometheus: no configuration mounted at /etc/prometheus/"),
        (hide_the_dashboard, "grafana: the dashboard 'convenio-operations' is not provisioned"),
        (drop_the_lag_exporter, "prometheus: no Kafka Exporter scraped"),
    ],
)
def test_a_broken_compose_file_is_refused(
    tmp_path: Path, change: Callable[[Compose], None], expected: str
) -> None:
    problems = validate_compose(broken_copy(tmp_path, change))
    assert any(p.startswith(expected) for p in problems), problems


def test_a_service_prometheus_does_not_scrape(tmp_path: Path) -> None:
    config_dir = tmp_path / "prometheus"
    config_dir.mkdir()
    generated = ROOT / "deploy" / "compose" / "prometheus"
    config = yaml.safe_load((generated / "prometheus.yml").read_text())
    config["scrape_configs"] = [j for j in config["scrape_configs"] if j["job_name"] != "reporting"]
    (config_dir / "prometheus.yml").write_text(yaml.safe_dump(config))
    (config_dir / "alerts.yml").write_text((generated / "alerts.yml").read_text())

    def mount_it(compose: Compose) -> None:
        compose["services"]["prometheus"]["volumes"][0] = f"{config_dir}:/etc/prometheus:ro"

    assert validate_compose(broken_copy(tmp_path, mount_it)) == [
        "prometheus: no scrape job 'reporting' for reporting:8000 (the alerts and dashboard "
        "filter on job)"
    ]
