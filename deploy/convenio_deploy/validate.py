"""Offline checks over a built overlay: schemas, then the rules that tie the cluster to the
topic catalogue (topics, ACLs, scalers), to how the services run (probes, shutdown, secrets,
network) and to how they are watched (scrapes, alerts, dashboard). Every check returns problems
as text; an empty list means the overlay is fit to apply.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from convenio_contracts.topics import Principal, all_topics

from . import alerts, dashboard, monitoring, promql
from .network import HTTP_CALLERS
from .schemas import schema_problems
from .services import (
    BROKER_GRACEFUL_S,
    CLUSTER,
    HTTP_PORT,
    KAFKA_TLS_PORT,
    POSTGRES_PORT,
    SERVICES,
    UVICORN_GRACEFUL_S,
    ServiceSpec,
)
from .strimzi import acls_of, expected_acls
from .tools import kustomize_build
from .workloads import LAG_READER, migrate_command

Doc = dict[str, Any]
OVERLAYS = ("dev", "prod")
SECRET_ENV = ("PASSWORD", "SECRET", "TOKEN", "DATABASE_URL")


def name_of(doc: Doc) -> str:
    return f"{doc.get('kind')}/{doc.get('metadata', {}).get('name')}"


def of_kind(docs: Iterable[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d.get("kind") == kind}


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_schemas(docs: list[Doc]) -> list[str]:
    return [f"{name_of(d)}: {p}" for d in docs for p in schema_problems(d)]


def _broker_count(docs: list[Doc]) -> int:
    pools = of_kind(docs, "KafkaNodePool").values()
    return sum(
        p["spec"].get("replicas", 0)
        for p in pools
        if "broker" in p["spec"].get("roles", [])
        and p["metadata"].get("labels", {}).get("strimzi.io/cluster") == CLUSTER
    )


def check_kafka_cluster(docs: list[Doc]) -> list[str]:
    kafka = of_kind(docs, "Kafka").get(CLUSTER)
    if kafka is None:
        return [f"no Kafka named {CLUSTER!r}"]
    problems = []
    spec = kafka["spec"]["kafka"]
    pools = of_kind(docs, "KafkaNodePool").values()
    if not any("controller" in p["spec"].get("roles", []) for p in pools):
        problems.append("Kafka: no KafkaNodePool has the controller role (KRaft needs one)")
    brokers = _broker_count(docs)
    if brokers < 1:
        problems.append("Kafka: no KafkaNodePool has the broker role")
    listener_ok = any(
        listener.get("port") == KAFKA_TLS_PORT
        and listener.get("tls") is True
        and listener.get("authentication", {}).get("type") == "scram-sha-512"
        for listener in spec.get("listeners", [])
    )
    if not listener_ok:
        problems.append(f"Kafka: no TLS listener on {KAFKA_TLS_PORT} with SCRAM-SHA-512")
    if spec.get("authorization", {}).get("type") != "simple":
        problems.append("Kafka: authorization must be 'simple' so that KafkaUser ACLs apply")
    operators = kafka["spec"].get("entityOperator", {})
    if "topicOperator" not in operators or "userOperator" not in operators:
        problems.append("Kafka: the topic and user operators must run")
    config = spec.get("config", {})
    min_isr = int(config.get("min.insync.replicas", 1))
    for key in ("default.replication.factor", "offsets.topic.replication.factor"):
        factor = int(config.get(key, 1))
        if factor > brokers:
            problems.append(f"Kafka: {key}={factor} but only {brokers} broker(s)")
        if brokers > 1 and min_isr >= factor:
            problems.append(f"Kafka: min.insync.replicas={min_isr} leaves no spare for {key}")
    return problems


def check_topics(docs: list[Doc]) -> list[str]:
    problems = []
    topics = {
        d["spec"].get("topicName", name): d for name, d in of_kind(docs, "KafkaTopic").items()
    }
    brokers = _broker_count(docs)
    kafka = of_kind(docs, "Kafka").get(CLUSTER, {})
    cluster_isr = int(
        kafka.get("spec", {}).get("kafka", {}).get("config", {}).get("min.insync.replicas", 1)
    )
    catalogue = {t.name: t for t in all_topics()}
    for name, topic in catalogue.items():
        doc = topics.get(name)
        if doc is None:
            problems.append(f"topic {name} is in the catalogue but has no KafkaTopic")
            continue
        spec = doc["spec"]
        if doc["metadata"].get("labels", {}).get("strimzi.io/cluster") != CLUSTER:
            problems.append(f"KafkaTopic {name}: not labelled for cluster {CLUSTER!r}")
        if spec.get("partitions") != topic.partitions:
            problems.append(
                f"KafkaTopic {name}: {spec.get('partitions')} partitions, "
                f"the catalogue says {topic.partitions}"
            )
        config = {k: str(v) for k, v in spec.get("config", {}).items()}
        if config != topic.kafka_config():
            problems.append(f"KafkaTopic {name}: config {config} != {topic.kafka_config()}")
        replicas = spec.get("replicas", 1)
        min_isr = int(config.get("min.insync.replicas", cluster_isr))
        if replicas > brokers:
            problems.append(f"KafkaTopic {name}: {replicas} replicas on {brokers} broker(s)")
        if min_isr > replicas or (brokers > 1 and min_isr == replicas):
            problems.append(
                f"KafkaTopic {name}: min.insync.replicas={min_isr} with {replicas} replicas "
                "cannot survive losing a broker"
            )
    for name in topics.keys() - catalogue.keys():
        problems.append(f"KafkaTopic {name} is not in the catalogue")
    return problems


def check_users(docs: list[Doc]) -> list[str]:
    problems = []
    users = of_kind(docs, "KafkaUser")
    for principal in Principal:
        user = users.get(principal.value)
        if user is None:
            problems.append(f"principal {principal.value} has no KafkaUser")
            continue
        where = f"KafkaUser {principal.value}"
        spec = user.get("spec", {})
        if user["metadata"].get("labels", {}).get("strimzi.io/cluster") != CLUSTER:
            problems.append(f"{where}: not labelled for cluster {CLUSTER!r}")
        if spec.get("authentication", {}).get("type") != "scram-sha-512":
            problems.append(f"{where}: authentication must be scram-sha-512")
        if spec.get("authorization", {}).get("type") != "simple":
            problems.append(f"{where}: authorization must be simple ACLs")
        granted, expected = acls_of(user), expected_acls(principal)
        for acl in sorted(granted - expected):
            problems.append(f"{where}: grants more than the ownership matrix: {acl}")
        for acl in sorted(expected - granted):
            problems.append(f"{where}: lacks an ACL the matrix gives it: {acl}")
        for acl in granted:
            if acl.resource_type == "topic" and (acl.pattern != "literal" or "*" in acl.name):
                problems.append(f"{where}: wildcard topic ACL {acl}")
    for name in users.keys() - {p.value for p in Principal}:
        problems.append(f"KafkaUser {name} is no principal of the catalogue")
    return problems


def _env(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env", [])}


def _check_container(service: ServiceSpec, pod: Doc, container: Doc) -> list[str]:
    problems = []
    image = container.get("image", "")
    if not _pinned(image):
        problems.append(f"image {image!r} is not pinned to a tag or digest")
    probes = ("startupProbe", "livenessProbe", "readinessProbe")
    problems += [f"no {probe}" for probe in probes if probe not in container]
    ready_path = container.get("readinessProbe", {}).get("httpGet", {}).get("path")
    if ready_path != "/health/ready":
        problems.append("readinessProbe must ask /health/ready")
    if container.get("livenessProbe", {}).get("httpGet", {}).get("path") != "/health/live":
        problems.append("livenessProbe must ask /health/live: readiness fails on a halted consumer")
    resources = container.get("resources", {})
    if not resources.get("requests") or "memory" not in resources.get("limits", {}):
        problems.append("resources need requests and a memory limit")
    security = container.get("securityContext", {})
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append("readOnlyRootFilesystem must be true")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append("allowPrivilegeEscalation must be false")
    if pod.get("securityContext", {}).get("runAsNonRoot") is not True:
        problems.append("the pod must runAsNonRoot")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    tmp = [m for m in container.get("volumeMounts", []) if m.get("mountPath") == "/tmp"]
    if not tmp or "emptyDir" not in volumes.get(tmp[0]["name"], {}):
        problems.append("/tmp must be an emptyDir (the root filesystem is read-only)")
    ports = {p.get("name"): p.get("containerPort") for p in container.get("ports", [])}
    if ports.get("http") != HTTP_PORT:
        problems.append(f"container port 'http' must be {HTTP_PORT}")
    env = _env(container)
    for name, entry in env.items():
        if any(word in name for word in SECRET_ENV) and "value" in entry:
            problems.append(f"{name} is a literal: secrets come by reference only")
    password = env.get("KAFKA_SASL_PASSWORD", {}).get("valueFrom", {}).get("secretKeyRef", {})
    if password.get("name") != service.principal.value and "KAFKA_SASL_PASSWORD_FILE" not in env:
        problems.append(
            f"KAFKA_SASL_PASSWORD must come from the KafkaUser secret {service.principal.value}"
        )
    if env.get("KAFKA_SASL_USERNAME", {}).get("value") != service.principal.value:
        problems.append(f"KAFKA_SASL_USERNAME must be {service.principal.value}")
    if "secretKeyRef" not in env.get("DATABASE_URL", {}).get("valueFrom", {}):
        problems.append("DATABASE_URL must come from a secret")
    return problems


def _check_migration(service: ServiceSpec, pod: Doc, app: Doc) -> list[str]:
    """An init container migrates the database with the app's own image and database; the
    app then must not migrate too (replicas would race the init step and each other)."""
    migrate = [
        c for c in pod.get("initContainers", []) if c.get("command") == migrate_command(service)
    ]
    if not migrate:
        return [f"no init container runs `{' '.join(migrate_command(service))}`"]
    problems = []
    init = migrate[0]
    if init.get("image") != app.get("image"):
        problems.append("the migrate init container must use the service's own image")
    if _env(init).get("DATABASE_URL") != _env(app).get("DATABASE_URL"):
        problems.append("the migrate init container must take DATABASE_URL as the service does")
    security = init.get("securityContext", {})
    if security.get("readOnlyRootFilesystem") is not True:
        problems.append("the migrate init container: readOnlyRootFilesystem must be true")
    if security.get("allowPrivilegeEscalation") is not False:
        problems.append("the migrate init container: allowPrivilegeEscalation must be false")
    if "memory" not in init.get("resources", {}).get("limits", {}):
        problems.append("the migrate init container needs a memory limit")
    if _env(app).get("MIGRATE_ON_START", {}).get("value") != "false":
        problems.append("MIGRATE_ON_START must be 'false': the init container migrates")
    return problems


def _pinned(image: str) -> bool:
    if "@" in image:
        return True
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    return bool(tag) and tag != "latest"


def check_workloads(docs: list[Doc]) -> list[str]:
    problems = []
    deployments = of_kind(docs, "Deployment")
    for service in SERVICES:
        deployment = deployments.get(service.name)
        if deployment is None:
            problems.append(f"service {service.name} has no Deployment")
            continue
        where = f"Deployment {service.name}"
        pod = deployment["spec"]["template"]["spec"]
        labels = deployment["spec"]["template"]["metadata"].get("labels", {})
        containers = [c for c in pod.get("containers", []) if c["name"] == service.name]
        if not containers:
            problems.append(f"{where}: no container named {service.name}")
            continue
        problems += [f"{where}: {p}" for p in _check_container(service, pod, containers[0])]
        problems += [f"{where}: {p}" for p in _check_migration(service, pod, containers[0])]
        grace = pod.get("terminationGracePeriodSeconds", 30)
        if grace <= UVICORN_GRACEFUL_S + BROKER_GRACEFUL_S:
            problems.append(
                f"{where}: terminationGracePeriodSeconds={grace} does not outlast the graceful "
                f"shutdown (uvicorn {UVICORN_GRACEFUL_S}s + consumer drain {BROKER_GRACEFUL_S}s)"
            )
        if "replicas" in deployment["spec"]:
            problems.append(f"{where}: spec.replicas fights the KEDA-owned HPA; leave it out")
        for kind in ("Service", "PodDisruptionBudget"):
            found = [
                d
                for d in of_kind(docs, kind).values()
                if selects(d["spec"].get("selector", {}).get("matchLabels", {}), labels)
                or (kind == "Service" and selects(d["spec"].get("selector", {}), labels))
            ]
            if not found:
                problems.append(f"{where}: no {kind} selects its pods")
    return problems


def check_scalers(docs: list[Doc]) -> list[str]:
    problems = []
    scalers = {
        d["spec"]["scaleTargetRef"]["name"]: d for d in of_kind(docs, "ScaledObject").values()
    }
    auths = of_kind(docs, "TriggerAuthentication")
    for service in SERVICES:
        scaler = scalers.get(service.name)
        if scaler is None:
            problems.append(f"Deployment {service.name} has no ScaledObject")
            continue
        where = f"ScaledObject {scaler['metadata']['name']}"
        spec = scaler["spec"]
        if spec.get("maxReplicaCount", 100) > service.max_replicas:
            problems.append(
                f"{where}: maxReplicaCount={spec.get('maxReplicaCount', 100)} exceeds "
                f"{service.max_replicas}, the fewest partitions among the topics it consumes"
            )
        if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
            problems.append(f"{where}: minReplicaCount exceeds maxReplicaCount")
        topics = set()
        for trigger in spec["triggers"]:
            meta = trigger["metadata"]
            if trigger["type"] != "kafka":
                problems.append(f"{where}: trigger {trigger['type']} is not the Kafka lag scaler")
                continue
            topics.add(meta.get("topic"))
            if meta.get("consumerGroup") != service.group:
                problems.append(
                    f"{where}: consumerGroup {meta.get('consumerGroup')!r} is not the "
                    f"catalogue's {service.group!r}"
                )
            auth = auths.get(trigger.get("authenticationRef", {}).get("name", ""))
            if auth is None:
                problems.append(f"{where}: trigger has no TriggerAuthentication")
            elif not _auth_uses_secret(auth, LAG_READER):
                problems.append(
                    f"TriggerAuthentication {auth['metadata']['name']}: password must come "
                    f"from secret {LAG_READER}, the Describe-only lag reader, not a service's"
                )
        wanted = {t.name for t in service.topics}
        if topics != wanted:
            problems.append(f"{where}: lag triggers on {sorted(topics)}, consumes {sorted(wanted)}")
    return problems


def _auth_uses_secret(auth: Doc, secret: str) -> bool:
    refs = auth["spec"].get("secretTargetRef", [])
    return any(r["parameter"] == "password" and r["name"] == secret for r in refs)


def check_network(docs: list[Doc]) -> list[str]:
    problems = []
    policies = list(of_kind(docs, "NetworkPolicy").values())
    deployments = of_kind(docs, "Deployment")
    for service in SERVICES:
        if service.name not in deployments:
            continue
        labels = deployments[service.name]["spec"]["template"]["metadata"].get("labels", {})
        applying = [
            p for p in policies if selects(p["spec"]["podSelector"].get("matchLabels", {}), labels)
        ]
        where = f"pods of {service.name}"
        if not any(_is_default_deny(p) for p in applying):
            problems.append(f"{where}: no default-deny NetworkPolicy selects them")
        egress = [rule for p in applying for rule in p["spec"].get("egress", [])]
        ingress = [rule for p in applying for rule in p["spec"].get("ingress", [])]
        if not any(_allows_port(rule, 53, "UDP") for rule in egress):
            problems.append(f"{where}: DNS egress is not allowed")
        if not any(_allows_port(rule, KAFKA_TLS_PORT) for rule in egress):
            problems.append(f"{where}: Kafka egress ({KAFKA_TLS_PORT}) is not allowed")
        if not any(
            _allows_port(rule, POSTGRES_PORT)
            and any(
                selects(service.database_label, peer.get("podSelector", {}).get("matchLabels", {}))
                for peer in rule.get("to", [])
            )
            for rule in egress
        ):
            problems.append(f"{where}: egress to their own database is not allowed")
        if not any(_allows_port(rule, "http") or _allows_port(rule, HTTP_PORT) for rule in ingress):
            problems.append(f"{where}: ingress to the HTTP port is not allowed")
        for rule in egress + ingress:
            peers = rule.get("to", rule.get("from"))
            if not rule.get("ports") and not peers:
                problems.append(f"{where}: a NetworkPolicy rule allows all traffic")
        problems += _unwanted_callers(where, ingress, HTTP_CALLERS[service.name])
    return problems


def _unwanted_callers(where: str, ingress: list[Doc], wanted: tuple[str, ...]) -> list[str]:
    """Ingress only from the namespaces that need the port (``network.HTTP_CALLERS``)."""
    problems = []
    for rule in ingress:
        peers = rule.get("from")
        if not peers:
            problems.append(f"{where}: ingress from every namespace and pod")
            continue
        for peer in peers:
            name = peer.get("namespaceSelector", {}).get("matchLabels", {})
            name = name.get("kubernetes.io/metadata.name")
            if name not in wanted or set(peer) != {"namespaceSelector"}:
                problems.append(f"{where}: ingress from {peer}, not one of {list(wanted)}")
    return problems


def _is_default_deny(policy: Doc) -> bool:
    spec = policy["spec"]
    return (
        set(spec.get("policyTypes", [])) == {"Ingress", "Egress"}
        and not spec.get("ingress")
        and not spec.get("egress")
    )


def _allows_port(rule: Doc, port: int | str, protocol: str = "TCP") -> bool:
    return any(
        p.get("port") == port and p.get("protocol", "TCP") == protocol
        for p in rule.get("ports", [])
    )


def check_secrets(docs: list[Doc]) -> list[str]:
    problems = [
        f"{name_of(d)}: secrets are referenced, never committed"
        for d in docs
        if d.get("kind") == "Secret"
    ]
    for config in of_kind(docs, "ConfigMap").values():
        for key in config.get("data", {}):
            if any(word in key for word in SECRET_ENV):
                problems.append(f"{name_of(config)}: {key} belongs in a secret")
    return problems


def _check_scrapes(docs: list[Doc]) -> list[str]:
    problems = []
    services = of_kind(docs, "Service")
    monitors = list(of_kind(docs, "ServiceMonitor").values())
    for spec in SERVICES:
        service = services.get(spec.name)
        if service is None:
            continue  # check_workloads names the missing Service
        ports = {p.get("name") for p in service["spec"].get("ports", [])}
        scraped = [
            endpoint
            for m in monitors
            if selects(
                m["spec"].get("selector", {}).get("matchLabels", {}),
                service["metadata"].get("labels", {}),
            )
            and not m["spec"].get("jobLabel")
            for endpoint in m["spec"].get("endpoints", [])
            if endpoint.get("port") in ports
            and endpoint.get("path", monitoring.METRICS_PATH) == monitoring.METRICS_PATH
        ]
        if not scraped:
            problems.append(
                f"Service {spec.name}: no ServiceMonitor scrapes {monitoring.METRICS_PATH} on one "
                "of its ports as job "
                f"{spec.name!r} (the alerts and dashboard filter on it; no jobLabel)"
            )
    kafka = of_kind(docs, "Kafka").get(CLUSTER, {})
    if "kafkaExporter" not in kafka.get("spec", {}):
        problems.append("Kafka: no kafkaExporter, so no kafka_consumergroup_lag for the lag alerts")
    else:
        groups = kafka["spec"]["kafkaExporter"].get("groupRegex", ".*")
        for spec in SERVICES:
            if not re.search(groups, spec.group):
                problems.append(
                    f"Kafka: kafkaExporter.groupRegex {groups!r} leaves out group {spec.group!r}"
                )
    exporter = {"strimzi.io/name": monitoring.KAFKA_EXPORTER}
    if not any(
        selects(m["spec"].get("selector", {}).get("matchLabels", {}), exporter)
        and any(
            e.get("port") == monitoring.KAFKA_EXPORTER_PORT
            for e in m["spec"].get("podMetricsEndpoints", [])
        )
        for m in of_kind(docs, "PodMonitor").values()
    ):
        problems.append(
            f"no PodMonitor scrapes the Kafka Exporter ({monitoring.KAFKA_EXPORTER}, "
            f"port {monitoring.KAFKA_EXPORTER_PORT})"
        )
    return problems


def _check_rules(docs: list[Doc]) -> list[str]:
    problems = []
    found = set()
    severities = set(alerts.SEVERITIES)
    for rule_doc in of_kind(docs, "PrometheusRule").values():
        where = name_of(rule_doc)
        for group in rule_doc.get("spec", {}).get("groups", []):
            for rule in group.get("rules", []):
                name = rule.get("alert") or rule.get("record")
                found.add(name)
                expr = str(rule.get("expr", ""))
                for metric in sorted(promql.unknown_metrics(expr)):
                    problems.append(f"{where}: {name} uses {metric}, which nothing exports")
                if rule.get("alert") and rule.get("labels", {}).get("severity") not in severities:
                    problems.append(f"{where}: {name} needs a severity of {sorted(severities)}")
    for name in sorted(alerts.names() - found):
        problems.append(f"alert {name} (deploy/convenio_deploy/alerts.py) is in no PrometheusRule")
    return problems


def _check_dashboard(docs: list[Doc]) -> list[str]:
    label = monitoring.GRAFANA_DASHBOARD_LABEL
    boards = [
        (name_of(c), key, value)
        for c in of_kind(docs, "ConfigMap").values()
        if selects(label, c["metadata"].get("labels", {}))
        for key, value in c.get("data", {}).items()
        if key.endswith(".json")
    ]
    problems = []
    uids = set()
    for where, key, value in boards:
        try:
            model = json.loads(value)
        except json.JSONDecodeError as error:
            problems.append(f"{where}: {key} is not JSON: {error}")
            continue
        uids.add(model.get("uid"))
        for expr in dashboard.expressions(model):
            for metric in sorted(promql.unknown_metrics(expr)):
                problems.append(f"{where}: {key} plots {metric}, which nothing exports")
    if dashboard.UID not in uids:
        problems.append(
            f"no ConfigMap labelled {label} holds the dashboard {dashboard.UID!r} "
            "(deploy/convenio_deploy/dashboard.py)"
        )
    return problems


def check_monitoring(docs: list[Doc]) -> list[str]:
    return _check_scrapes(docs) + _check_rules(docs) + _check_dashboard(docs)


CHECKS: tuple[Callable[[list[Doc]], list[str]], ...] = (
    check_schemas,
    check_kafka_cluster,
    check_topics,
    check_users,
    check_workloads,
    check_scalers,
    check_network,
    check_secrets,
    check_monitoring,
)


def validate_documents(docs: list[Doc]) -> list[str]:
    return [problem for check in CHECKS for problem in check(docs)]


def build(overlay: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(kustomize_build(overlay)) if d]


def validate_overlay(overlay: Path) -> list[str]:
    return validate_documents(build(overlay))
