"""How Prometheus finds the services and what it alerts on, in Kubernetes (Prometheus Operator
resources, ``monitoring.coreos.com/v1``) and in the compose stack (a plain Prometheus
configuration), both generated from ``SERVICES`` and ``alerts.ALERTS`` (``make k8s``).

- A ``ServiceMonitor`` per service scrapes ``/metrics`` on its Service's ``http`` port. The
  Service is named after the service, so the scrape job, ``job``, is the service's name, as
  the alerts and the dashboard expect (and as the compose jobs are named).
- A ``PodMonitor`` scrapes Strimzi's Kafka Exporter (``kafkaExporter`` in the Kafka resource):
  ``kafka_consumergroup_lag`` for the lag alerts and panels.
- A ``PrometheusRule`` holds the alerts.

The Prometheus that should pick these up selects them by label: every resource here carries
``app.kubernetes.io/part-of: convenio``.
"""

from __future__ import annotations

from typing import Any

from . import alerts
from .services import CLUSTER, HTTP_PORT, SERVICES, ServiceSpec

MONITORING = "monitoring.coreos.com/v1"
PART_OF = {"app.kubernetes.io/part-of": "convenio"}
SCRAPE_INTERVAL = "30s"
METRICS_PATH = "/metrics"
KAFKA_EXPORTER = f"{CLUSTER}-kafka-exporter"
KAFKA_EXPORTER_PORT = "tcp-prometheus"
"""Strimzi names the exporter's pods ``<cluster>-kafka-exporter`` and its metrics port so."""
DASHBOARD_CONFIGMAP = "convenio-dashboard"
DASHBOARD_FILE = "convenio-dashboard.json"
GRAFANA_DASHBOARD_LABEL = {"grafana_dashboard": "1"}
"""What Grafana's dashboard sidecar (the Grafana Helm chart, kube-prometheus-stack) looks for."""


def service_monitor(service: ServiceSpec) -> dict[str, Any]:
    return {
        "apiVersion": MONITORING,
        "kind": "ServiceMonitor",
        "metadata": {
            "name": service.name,
            "labels": service.labels | PART_OF | {"app.kubernetes.io/component": "service"},
        },
        "spec": {
            "selector": {"matchLabels": service.labels},
            "endpoints": [
                {"port": "http", "path": METRICS_PATH, "interval": SCRAPE_INTERVAL},
            ],
        },
    }


def kafka_exporter_monitor() -> dict[str, Any]:
    return {
        "apiVersion": MONITORING,
        "kind": "PodMonitor",
        "metadata": {"name": KAFKA_EXPORTER, "labels": PART_OF},
        "spec": {
            "selector": {"matchLabels": {"strimzi.io/name": KAFKA_EXPORTER}},
            "podMetricsEndpoints": [
                {"port": KAFKA_EXPORTER_PORT, "path": METRICS_PATH, "interval": SCRAPE_INTERVAL},
            ],
        },
    }


def prometheus_rule() -> dict[str, Any]:
    return {
        "apiVersion": MONITORING,
        "kind": "PrometheusRule",
        "metadata": {"name": "convenio-alerts", "labels": PART_OF},
        "spec": {"groups": alerts.rule_groups()},
    }


# The compose stack: one Docker network, the services by name, no operator.

COMPOSE_RULES = "alerts.yml"
KAFKA_EXPORTER_COMPOSE = "kafka-exporter:9308"


def compose_prometheus() -> dict[str, Any]:
    jobs: list[dict[str, Any]] = [
        {
            "job_name": service.name,
            "metrics_path": METRICS_PATH,
            "static_configs": [{"targets": [f"{service.name}:{HTTP_PORT}"]}],
        }
        for service in SERVICES
    ]
    jobs.append(
        {"job_name": "kafka-exporter", "static_configs": [{"targets": [KAFKA_EXPORTER_COMPOSE]}]}
    )
    return {
        "global": {"scrape_interval": "15s", "evaluation_interval": "15s"},
        "rule_files": [COMPOSE_RULES],
        "scrape_configs": jobs,
    }


def compose_rules() -> dict[str, Any]:
    return {"groups": alerts.rule_groups()}


def grafana_datasources() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Prometheus",
                "uid": "prometheus",
                "type": "prometheus",
                "access": "proxy",
                "url": "http://prometheus:9090",
                "isDefault": True,
                "editable": False,
            }
        ],
    }


GRAFANA_DASHBOARDS_DIR = "/var/lib/grafana/dashboards"


def grafana_dashboards() -> dict[str, Any]:
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "convenio",
                "type": "file",
                "disableDeletion": True,
                "allowUiUpdates": False,
                "options": {"path": GRAFANA_DASHBOARDS_DIR},
            }
        ],
    }
