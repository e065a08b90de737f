"""Offline checks of ``docker-compose.yml``: the Compose Specification's JSON Schema
(vendored in ``deploy/schemas``), then the start order and wiring the stack depends on, and
the observability around it: traces from the collector to Jaeger, Prometheus scraping every
service under the job name the alerts use, Grafana provisioned with Prometheus and the
dashboard. Mounted configuration files are read from the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from . import dashboard, monitoring
from .services import HTTP_PORT, SERVICES

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
SCHEMA = REPO / "deploy" / "schemas" / "compose-spec.json"
KAFKA_IMAGE = "apache/kafka:4.1.1"
TOPICS_COMMAND = ["python", "-m", "convenio_chassis.topics_admin"]
JAEGER_IMAGE = "jaegertracing/jaeger"
PROMETHEUS_IMAGE = "prom/prometheus"
GRAFANA_IMAGE = "grafana/grafana"
KAFKA_EXPORTER_IMAGE = "danielqsj/kafka-exporter"
OTEL_CONFIG = "/etc/otelcol/config.yaml"
PROMETHEUS_CONFIG = "/etc/prometheus/prometheus.yml"
GRAFANA_PROVISIONING = "/etc/grafana/provisioning"
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


def _named(services: dict[str, Service], image: str) -> list[str]:
    return [n for n, s in services.items() if s.get("image", "").split(":")[0] == image]


def _mounts(service: Service, root: Path) -> dict[str, Path]:
    """Container path -> host path, for bind mounts of the short syntax."""
    found = {}
    for volume in service.get("volumes", []):
        if not isinstance(volume, str):
            continue
        source, _, rest = volume.partition(":")
        if source.startswith((".", "/")):
            found[rest.split(":")[0]] = (root / source).resolve()
    return found


def _mounted_file(service: Service, root: Path, inside: str) -> Path | None:
    """The host file a container sees at ``inside``, through a file or directory mount."""
    for target, source in sorted(_mounts(service, root).items(), key=lambda m: -len(m[0])):
        if inside == target:
            return source
        if inside.startswith(target.rstrip("/") + "/"):
            return source / inside[len(target.rstrip("/")) + 1 :]
    return None


def _load(path: Path | None) -> Any:
    if path is None or not path.is_file():
        return None
    return yaml.safe_load(path.read_text())


def _check_tracing(services: dict[str, Service], otel: set[str], root: Path) -> list[str]:
    jaeger = _named(services, JAEGER_IMAGE)
    if not jaeger:
        return [f"no Jaeger ({JAEGER_IMAGE}): traces would only be logged"]
    problems = []
    for name in sorted(otel):
        config = _load(_mounted_file(services[name], root, OTEL_CONFIG))
        if not isinstance(config, dict):
            problems.append(f"{name}: no collector configuration mounted at {OTEL_CONFIG}")
            continue
        exporters = config.get("exporters", {})
        pipeline = config.get("service", {}).get("pipelines", {}).get("traces", {})
        to_jaeger = [
            e
            for e in pipeline.get("exporters", [])
            if e.split("/")[0] in ("otlp", "otlphttp")
            and str((exporters.get(e) or {}).get("endpoint", ""))
            .removeprefix("http://")
            .startswith(tuple(f"{j}:" for j in jaeger))
        ]
        if not to_jaeger:
            problems.append(f"{name}: the traces pipeline exports to no Jaeger over OTLP")
    return problems


def _check_prometheus(services: dict[str, Service], root: Path) -> tuple[list[str], list[str]]:
    """Problems, and the Prometheus services found."""
    found = _named(services, PROMETHEUS_IMAGE)
    if not found:
        return [f"no Prometheus ({PROMETHEUS_IMAGE}) scrapes the services"], []
    name = found[0]
    flags = [f for f in services[name].get("command", []) if f.startswith("--config.file=")]
    inside = flags[0].partition("=")[2] if flags else PROMETHEUS_CONFIG
    path = _mounted_file(services[name], root, inside)
    config = _load(path)
    if not isinstance(config, dict) or path is None:
        return [f"{name}: no configuration mounted at {inside}"], found
    problems = []
    jobs = {j.get("job_name"): j for j in config.get("scrape_configs", [])}
    for spec in SERVICES:
        job = jobs.get(spec.name, {})
        targets = [t for c in job.get("static_configs", []) for t in c.get("targets", [])]
        if f"{spec.name}:{HTTP_PORT}" not in targets:
            problems.append(
                f"{name}: no scrape job {spec.name!r} for {spec.name}:{HTTP_PORT} "
                "(the alerts and dashboard filter on job)"
            )
        elif job.get("metrics_path", monitoring.METRICS_PATH) != monitoring.METRICS_PATH:
            problems.append(f"{name}: job {spec.name} must scrape {monitoring.METRICS_PATH}")
    for rules in config.get("rule_files", []):
        if not (path.parent / rules).is_file():
            problems.append(f"{name}: rule file {rules} is not beside {path.name}")
    if not config.get("rule_files"):
        problems.append(f"{name}: loads no alert rules")
    exporters = _named(services, KAFKA_EXPORTER_IMAGE)
    scraped = {
        t.split(":")[0]
        for j in jobs.values()
        for c in j.get("static_configs", [])
        for t in c.get("targets", [])
    }
    if not exporters or exporters[0] not in scraped:
        problems.append(f"{name}: no Kafka Exporter scraped, so no kafka_consumergroup_lag")
    return problems, found


def _check_grafana(services: dict[str, Service], prometheus: list[str], root: Path) -> list[str]:
    found = _named(services, GRAFANA_IMAGE)
    if not found:
        return [f"no Grafana ({GRAFANA_IMAGE}) shows the dashboard"]
    name, problems = found[0], []
    grafana = services[name]
    sources = _load(
        _mounted_file(grafana, root, f"{GRAFANA_PROVISIONING}/datasources/prometheus.yml")
    )
    urls = {
        d.get("url")
        for d in (sources or {}).get("datasources", [])
        if d.get("type") == "prometheus"
    }
    if not urls & {f"http://{p}:9090" for p in prometheus}:
        problems.append(f"{name}: no Prometheus data source pointing at {prometheus or 'it'}")
    providers = _load(
        _mounted_file(grafana, root, f"{GRAFANA_PROVISIONING}/dashboards/convenio.yml")
    )
    paths = [p.get("options", {}).get("path") for p in (providers or {}).get("providers", [])]
    uids = set()
    for inside in filter(None, paths):
        folder = _mounted_file(grafana, root, inside)
        for board in sorted(folder.glob("*.json")) if folder and folder.is_dir() else []:
            uids.add(json.loads(board.read_text()).get("uid"))
    if dashboard.UID not in uids:
        problems.append(f"{name}: the dashboard {dashboard.UID!r} is not provisioned")
    return problems


def validate_compose(path: Path = COMPOSE_FILE, root: Path = REPO) -> list[str]:
    """``root`` is where the bind mounts' relative paths start (the repository)."""
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
    problems += _check_tracing(services, otel, root)
    found, prometheus = _check_prometheus(services, root)
    problems += found
    problems += _check_grafana(services, prometheus, root)
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
