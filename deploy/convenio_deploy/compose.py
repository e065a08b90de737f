"""Offline checks of ``docker-compose.yml``: the Compose Specification's JSON Schema
(vendored in ``deploy/schemas``), then the start order and wiring the stack depends on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from .services import HTTP_PORT, SERVICES

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA = REPO / "deploy" / "schemas" / "compose-spec.json"
KAFKA_IMAGE = "apache/kafka:4.1.1"
TOPICS_COMMAND = ["python", "-m", "convenio_chassis.topics_admin"]
Service = dict[str, Any]


def _environment(service: Service) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _depends(service: Service) -> dict[str, str]:
    deps = service.get("depends_on", {})
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: d.get("condition", "service_started") for name, d in deps.items()}


def schema_problems(compose: dict[str, Any]) -> list[str]:
    schema = json.loads(SCHEMA.read_text())
    # The file names its draft by a URL jsonschema does not recognise; it is 2019-09.
    validator = jsonschema.Draft201909Validator(schema)
    return [
        f"{'.'.join(map(str, e.absolute_path)) or '(top level)'}: {e.message}"
        for e in validator.iter_errors(compose)
    ]


def _check_start_order(services: dict[str, Service]) -> list[str]:
    problems = []
    for name, service in services.items():
        for dependency, condition in _depends(service).items():
            if dependency not in services:
                problems.append(f"{name}: depends on unknown service {dependency}")
            elif condition == "service_healthy" and "healthcheck" not in services[dependency]:
                problems.append(f"{name}: waits for {dependency} to be healthy, it has no check")
    return problems


def _check_app(name: str, services: dict[str, Service], otel: set[str]) -> list[str]:
    service = services.get(name)
    if service is None:
        return [f"service {name} is missing"]
    problems = []
    build = service.get("build", {})
    if build.get("args", {}).get("SERVICE") != name or build.get("target") != "runtime":
        problems.append(f"{name}: must build the runtime target with SERVICE={name}")
    env = _environment(service)
    database = f"{name}-db"
    if not env.get("DATABASE_URL", "").startswith(f"postgresql://{name}@{database}:"):
        problems.append(f"{name}: DATABASE_URL must point at its own PostgreSQL, {database}")
    if not any(env.get("OTEL_EXPORTER_OTLP_ENDPOINT", "").startswith(f"http://{o}:") for o in otel):
        problems.append(f"{name}: OTEL_EXPORTER_OTLP_ENDPOINT must name the collector")
    if env.get("MIGRATE_ON_START", "true").lower() != "true":
        problems.append(f"{name}: MIGRATE_ON_START must stay true: nothing else migrates here")
    if "KAFKA_BOOTSTRAP_SERVERS" not in env:
        problems.append(f"{name}: KAFKA_BOOTSTRAP_SERVERS is not set")
    if env.get("HTTP_PORT", str(HTTP_PORT)) != str(HTTP_PORT):
        problems.append(f"{name}: the image and its health check listen on {HTTP_PORT}")
    deps = _depends(service)
    topics = [s for s, svc in services.items() if svc.get("command") == TOPICS_COMMAND]
    if not any(deps.get(t) == "service_completed_successfully" for t in topics):
        problems.append(f"{name}: must start after the topics exist")
    if deps.get(database) != "service_healthy":
        problems.append(f"{name}: must wait until {database} is healthy")
    if "healthcheck" not in service:
        problems.append(f"{name}: needs a healthcheck on /health/ready")
    if database not in services or "postgres" not in services[database].get("image", ""):
        problems.append(f"{name}: has no PostgreSQL of its own ({database})")
    return problems


def validate_compose(path: Path = COMPOSE_FILE) -> list[str]:
    compose = yaml.safe_load(path.read_text())
    problems = schema_problems(compose)
    services: dict[str, Service] = compose.get("services", {})
    problems += _check_start_order(services)
    kafka = [n for n, s in services.items() if s.get("image") == KAFKA_IMAGE]
    if not kafka:
        problems.append(f"no Kafka service from {KAFKA_IMAGE}")
    topics = [n for n, s in services.items() if s.get("command") == TOPICS_COMMAND]
    if not topics or services[topics[0]].get("restart") != "no":
        problems.append("topics need a one-shot service running convenio_chassis.topics_admin")
    elif not any(_depends(services[topics[0]]).get(k) == "service_healthy" for k in kafka):
        problems.append(f"{topics[0]}: must wait until Kafka is healthy")
    otel = {n for n, s in services.items() if "opentelemetry-collector" in s.get("image", "")}
    if not otel:
        problems.append("no OpenTelemetry collector")
    for spec in SERVICES:
        problems += _check_app(spec.name, services, otel)
    demo = [n for n, s in services.items() if "demo" in s.get("profiles", [])]
    if not demo:
        problems.append("no service in the 'demo' profile")
    else:
        waits = _depends(services[demo[0]])
        if any(waits.get(s.name) != "service_healthy" for s in SERVICES):
            problems.append(f"{demo[0]}: must wait until all three services are ready")
    return problems
