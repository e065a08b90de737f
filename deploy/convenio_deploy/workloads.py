"""Each service's Kubernetes workload, generated from ``SERVICES`` and the catalogue: the
Deployment and its Service, PodDisruptionBudget, NetworkPolicy and KEDA scaler; and the one
lag reader's credentials every scaler shares.

Each pod migrates its database before the service starts, in an init container; the service
itself then leaves the schema alone (``MIGRATE_ON_START=false``, docs/deploy.md "Migrations").

Secrets appear by reference only: the SCRAM password from the Strimzi ``KafkaUser`` secret,
``DATABASE_URL`` from ``<service>-database``, the cluster CA from Strimzi's CA secret.
"""

from __future__ import annotations

from typing import Any

from convenio_contracts.topics import Principal

from . import network
from .services import (
    CLUSTER,
    HTTP_PORT,
    KAFKA_BOOTSTRAP,
    KAFKA_CA_SECRET,
    KAFKA_TLS_PORT,
    POSTGRES_PORT,
    PRE_STOP_S,
    TERMINATION_GRACE_S,
    ServiceSpec,
)

APP_UID = 10001
KAFKA_CA_DIR = "/etc/convenio/kafka-ca"
OTLP_NAMESPACE = "observability"
OTLP_PORT = 4318
LAG_PER_REPLICA = "1000"
"""A batch (``CONSUMER_MAX_BATCH`` 1000) of lag per replica before KEDA adds another."""
PART_OF = {"app.kubernetes.io/part-of": "convenio"}
KAFKA_BROKERS = {"strimzi.io/cluster": CLUSTER, "strimzi.io/kind": "Kafka"}


def config_env(service: ServiceSpec) -> dict[str, str]:
    """Non-secret settings, fed to a Kustomize ``configMapGenerator`` (hash-suffixed, so a
    change rolls the pods)."""
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": KAFKA_BOOTSTRAP,
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SSL_CAFILE": f"{KAFKA_CA_DIR}/ca.crt",
        "HTTP_HOST": "0.0.0.0",
        "HTTP_PORT": str(HTTP_PORT),
        "LOG_LEVEL": "INFO",
        "LOG_FORMAT": "json",
        "OTEL_EXPORTER_OTLP_ENDPOINT": (f"http://otel-collector.{OTLP_NAMESPACE}.svc:{OTLP_PORT}"),
    }
    if service.name == "reporting":
        env["SMALL_CELL_K"] = "5"
    return env


def _metadata(service: ServiceSpec, name: str | None = None) -> dict[str, Any]:
    return {
        "name": name or service.name,
        "labels": service.labels | PART_OF | {"app.kubernetes.io/component": "service"},
    }


def _http_probe(path: str, period: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": "http"},
        "periodSeconds": period,
        "timeoutSeconds": 3,
        "failureThreshold": failures,
    }


def _database_url(service: ServiceSpec) -> dict[str, Any]:
    return {
        "name": "DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": service.database_secret, "key": "url"}},
    }


def _security() -> dict[str, Any]:
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }


def migrate_command(service: ServiceSpec) -> list[str]:
    return ["python", "-m", "convenio_chassis.migrations", service.module, "upgrade"]


def _migrate_container(service: ServiceSpec) -> dict[str, Any]:
    """Upgrades the database to the image's newest migration before the service starts. Pods
    starting together take turns on a PostgreSQL advisory lock; a failure keeps the pod from
    starting (Init:Error, then Init:CrashLoopBackOff), so a bad migration never serves."""
    return {
        "name": "migrate",
        "image": f"convenio/{service.name}",
        "command": migrate_command(service),
        "envFrom": [{"configMapRef": {"name": service.name}}],
        "env": [_database_url(service)],
        "resources": {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "1", "memory": "256Mi"},
        },
        "securityContext": _security(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def _container(service: ServiceSpec) -> dict[str, Any]:
    return {
        "name": service.name,
        "image": f"convenio/{service.name}",
        "ports": [{"name": "http", "containerPort": HTTP_PORT, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": service.name}}],
        "env": [
            {"name": "KAFKA_SASL_USERNAME", "value": service.principal.value},
            {
                "name": "KAFKA_SASL_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": service.principal.value, "key": "password"}},
            },
            _database_url(service),
            # The init container has migrated; replicas must not race it or each other.
            {"name": "MIGRATE_ON_START", "value": "false"},
        ],
        "resources": {
            "requests": {"cpu": "100m", "memory": "256Mi"},
            "limits": {"cpu": "1", "memory": "512Mi"},
        },
        # Startup allows a minute for the first broker connection; liveness only asks whether
        # the process answers, so a consumer retrying a failing batch is not killed.
        "startupProbe": _http_probe("/health/live", 2, 30),
        "livenessProbe": _http_probe("/health/live", 10, 3),
        "readinessProbe": _http_probe("/health/ready", 5, 3),
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRE_STOP_S)]}}},
        "securityContext": _security(),
        "volumeMounts": [
            {"name": "tmp", "mountPath": "/tmp"},
            {"name": "kafka-ca", "mountPath": KAFKA_CA_DIR, "readOnly": True},
        ],
    }


def deployment(service: ServiceSpec) -> dict[str, Any]:
    # No spec.replicas: the ScaledObject's HPA owns the count, and an apply must not reset it.
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(service),
        "spec": {
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": service.labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": {
                "metadata": {"labels": _metadata(service)["labels"]},
                "spec": {
                    "automountServiceAccountToken": False,
                    "terminationGracePeriodSeconds": TERMINATION_GRACE_S,
                    "securityContext": {
                        "runAsNonRoot": True,
                        "runAsUser": APP_UID,
                        "runAsGroup": APP_UID,
                        "fsGroup": APP_UID,
                        "seccompProfile": {"type": "RuntimeDefault"},
                    },
                    "initContainers": [_migrate_container(service)],
                    "containers": [_container(service)],
                    "volumes": [
                        {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
                        {
                            "name": "kafka-ca",
                            "secret": {
                                "secretName": KAFKA_CA_SECRET,
                                "items": [{"key": "ca.crt", "path": "ca.crt"}],
                            },
                        },
                    ],
                },
            },
        },
    }


def http_service(service: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(service),
        "spec": {
            "selector": service.labels,
            "ports": [{"name": "http", "port": HTTP_PORT, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def disruption_budget(service: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": _metadata(service),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": service.labels}},
    }


def network_policy(service: ServiceSpec) -> dict[str, Any]:
    """What this service may reach beyond DNS (allowed for all by ``allow-dns``), and who may
    reach its HTTP port: only the namespaces ``network.HTTP_CALLERS`` names for it."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _metadata(service),
        "spec": {
            "podSelector": {"matchLabels": service.labels},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [
                {
                    "from": [network.namespace(n) for n in network.HTTP_CALLERS[service.name]],
                    "ports": [{"port": "http", "protocol": "TCP"}],
                }
            ],
            "egress": [
                {
                    "to": [{"podSelector": {"matchLabels": KAFKA_BROKERS}}],
                    "ports": [{"port": KAFKA_TLS_PORT, "protocol": "TCP"}],
                },
                {
                    "to": [{"podSelector": {"matchLabels": service.database_label}}],
                    "ports": [{"port": POSTGRES_PORT, "protocol": "TCP"}],
                },
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": OTLP_NAMESPACE}
                            }
                        }
                    ],
                    "ports": [{"port": OTLP_PORT, "protocol": "TCP"}],
                },
            ],
        },
    }


LAG_READER = Principal.KEDA_LAG.value
"""KEDA reads lag as its own principal, allowed only Describe on the services' groups and
topics (``convenio_contracts.acl``), never a service's credential, which reads intake."""


def lag_reader() -> list[dict[str, Any]]:
    """The one TriggerAuthentication every scaler uses: the ``keda-lag`` SCRAM password and the
    cluster CA from their secrets, the user name from a ConfigMap (Strimzi's user secret holds
    only the password)."""
    metadata = {"name": LAG_READER, "labels": PART_OF | {"app.kubernetes.io/component": "keda"}}
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": metadata,
            "data": {"username": LAG_READER},
        },
        {
            "apiVersion": "keda.sh/v1alpha1",
            "kind": "TriggerAuthentication",
            "metadata": metadata,
            "spec": {
                "secretTargetRef": [
                    {"parameter": "password", "name": LAG_READER, "key": "password"},
                    {"parameter": "ca", "name": KAFKA_CA_SECRET, "key": "ca.crt"},
                ],
                "configMapTargetRef": [
                    {"parameter": "username", "name": LAG_READER, "key": "username"}
                ],
            },
        },
    ]


def scaled_object(service: ServiceSpec) -> dict[str, Any]:
    """One lag trigger per consumed topic; the HPA follows the most lagging one."""
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": _metadata(service),
        "spec": {
            "scaleTargetRef": {"name": service.name},
            "minReplicaCount": 1,
            "maxReplicaCount": service.max_replicas,
            "pollingInterval": 15,
            "cooldownPeriod": 300,
            "triggers": [
                {
                    "type": "kafka",
                    "name": topic.name.replace(".", "-"),
                    "metadata": {
                        "bootstrapServers": KAFKA_BOOTSTRAP,
                        "consumerGroup": service.group,
                        "topic": topic.name,
                        "lagThreshold": LAG_PER_REPLICA,
                        "offsetResetPolicy": "earliest",
                        "sasl": "scram_sha512",
                        "tls": "enable",
                    },
                    "authenticationRef": {"name": LAG_READER},
                }
                for topic in service.topics
            ],
        },
    }


def workload(service: ServiceSpec) -> list[dict[str, Any]]:
    return [
        deployment(service),
        http_service(service),
        disruption_budget(service),
        network_policy(service),
        scaled_object(service),
    ]
