"""The operator's Grafana dashboard, generated (``make k8s``) into
``deploy/k8s/base/monitoring/convenio-dashboard.json`` (a ConfigMap labelled for Grafana's
dashboard sidecar) and ``deploy/compose/grafana/dashboards/convenio.json`` (provisioned in the
compose stack). One row per question an operator asks: is work flowing, is anyone behind, is
anything stuck in the outbox, are records being refused, is a source flooding or paused, is
the ONC feed fresh.

The data source is a variable, so the same JSON works with whatever Prometheus a Grafana has;
``job`` (one per service) filters every panel. Every expression uses only exported metrics
(``promql.exported``) or the Kafka Exporter's lag, which ``tests/deploy`` checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

UID = "convenio-operations"
TITLE = "Convenio: operations"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
JOB = 'job=~"$job"'
GROUP = 'consumergroup=~"$job"'
"""The consumer groups are named after the services, so ``$job`` filters lag too."""


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    targets: tuple[tuple[str, str], ...]
    """(PromQL, legend) pairs."""
    unit: str = "short"
    kind: str = "timeseries"
    options: dict[str, Any] = field(default_factory=dict)
    mappings: tuple[dict[str, Any], ...] = ()


ROWS: tuple[tuple[str, tuple[Panel, ...]], ...] = (
    (
        "Throughput",
        (
            Panel(
                "Records consumed, by outcome",
                "Every record ends handled, ignored, duplicate or dead-lettered, counted when "
                "its batch commits: their sum is what the service consumed.",
                tuple(
                    (
                        f"sum by (job) (rate(convenio_records_{outcome}_total{{{JOB}}}"
                        "[$__rate_interval]))",
                        f"{{{{job}}}} {outcome}",
                    )
                    for outcome in ("handled", "ignored", "duplicate", "dead_lettered")
                ),
                unit="reqps",
            ),
            Panel(
                "Records published by the outbox relay",
                "Facts, answers and dead letters leaving the service, per topic.",
                (
                    (
                        "sum by (job, topic) (rate(convenio_outbox_published_total{"
                        f"{JOB}}}[$__rate_interval]))",
                        "{{job}} {{topic}}",
                    ),
                ),
                unit="reqps",
            ),
        ),
    ),
    (
        "Consumer lag",
        (
            Panel(
                "Consumer lag (records)",
                "From the Kafka Exporter: records written but not yet committed by the group. "
                "Alert ConvenioConsumerLag above 50,000 for 10 minutes.",
                (
                    (
                        f"sum by (consumergroup, topic) (kafka_consumergroup_lag{{{GROUP}}})",
                        "{{consumergroup}} {{topic}}",
                    ),
                ),
            ),
            Panel(
                "Seconds since a topic last delivered",
                "Quiet topics are normal; quiet with lag is a stuck consumer "
                "(ConvenioConsumerStuck).",
                (
                    (
                        f"max by (job, topic) (convenio_seconds_since_last_record{{{JOB}}})",
                        "{{job}} {{topic}}",
                    ),
                ),
                unit="s",
            ),
        ),
    ),
    (
        "Outbox",
        (
            Panel(
                "Outbox backlog (rows)",
                "Rows written in a committed transaction and not yet published.",
                ((f"max by (job) (convenio_outbox_backlog{{{JOB}}})", "{{job}}"),),
            ),
            Panel(
                "Oldest unpublished outbox row",
                "Normally under a second. ConvenioOutboxBacklogOld above 60 s, "
                "ConvenioOutboxBacklogStale above 300 s.",
                (
                    (f"max by (job) (convenio_outbox_oldest_age_seconds{{{JOB}}})", "{{job}}"),
                    (
                        "sum by (job) (rate(convenio_outbox_publish_errors_total{"
                        f"{JOB}}}[$__rate_interval]))",
                        "{{job}} relay errors/s",
                    ),
                ),
                unit="s",
            ),
        ),
    ),
    (
        "Dead letters and errors",
        (
            Panel(
                "Dead letters",
                "Records sent to <group>.<topic>.dlq, per topic and reason.",
                (
                    (
                        "sum by (job, topic, reason) (increase("
                        f"convenio_records_dead_lettered_total{{{JOB}}}[$__rate_interval]))",
                        "{{job}} {{topic}} {{reason}}",
                    ),
                ),
            ),
            Panel(
                "Failed handling attempts and retried batches",
                "handler_error: dead-lettered; transient: the batch is rolled back and retried.",
                (
                    (
                        "sum by (job, error) (rate(convenio_records_failed_total{"
                        f"{JOB}}}[$__rate_interval]))",
                        "{{job}} {{error}}",
                    ),
                    (
                        "sum by (job) (rate(convenio_batches_retried_total{"
                        f"{JOB}}}[$__rate_interval]))",
                        "{{job}} batches retried",
                    ),
                ),
                unit="reqps",
            ),
        ),
    ),
    (
        "Sources and readiness",
        (
            Panel(
                "Flooding and paused sources",
                "Sources whose records are mostly refused (flooding: an alert, the consumer goes "
                "on and other sources flow) and sources an operator paused (ADR 0080).",
                (
                    (
                        f"max by (job, source) (convenio_source_flooding{{{JOB}}}) > 0",
                        "flooding {{source}} ({{job}})",
                    ),
                    (
                        f"max by (job, source) (convenio_source_quarantined{{{JOB}}}) > 0",
                        "paused {{source}} ({{job}})",
                    ),
                ),
            ),
            Panel(
                "Readiness checks",
                "Each readiness check, 1 passing and 0 failing; GET /health/ready says why.",
                (
                    (
                        f"min by (job, check) (convenio_health_check_ok{{{JOB}}})",
                        "{{job}} {{check}}",
                    ),
                ),
                kind="state-timeline",
                mappings=(
                    {
                        "type": "value",
                        "options": {
                            "0": {"text": "failing", "color": "red"},
                            "1": {"text": "ok", "color": "green"},
                        },
                    },
                ),
            ),
        ),
    ),
    (
        "Feed freshness and latency",
        (
            Panel(
                "ONC feed: seconds since up to date",
                "Reporting's convenio_feed_current_as_of_seconds: every fact committed before "
                "it is in the feed (ADR 0051). ConvenioFeedStale above 300 s.",
                (
                    (
                        f"time() - max by (job) (convenio_feed_current_as_of_seconds{{{JOB}}})",
                        "{{job}} behind",
                    ),
                    (
                        f"max by (job) (convenio_feed_refresh_interval_seconds{{{JOB}}})",
                        "{{job}} refresh interval",
                    ),
                ),
                unit="s",
            ),
            Panel(
                "p99 handler and batch time",
                "One handler call for one record, and one batch handled and committed.",
                (
                    (
                        "histogram_quantile(0.99, sum by (le, job) (rate("
                        f"convenio_handler_seconds_bucket{{{JOB}}}[$__rate_interval])))",
                        "{{job}} handler",
                    ),
                    (
                        "histogram_quantile(0.99, sum by (le, job) (rate("
                        f"convenio_batch_seconds_bucket{{{JOB}}}[$__rate_interval])))",
                        "{{job}} batch",
                    ),
                ),
                unit="s",
            ),
        ),
    ),
)


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": panel.unit}
    if panel.mappings:
        defaults["mappings"] = list(panel.mappings)
        defaults["color"] = {"mode": "thresholds"}
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": panel.options,
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for i, (expr, legend) in enumerate(panel.targets)
        ],
    }


def _templating() -> dict[str, Any]:
    return {
        "list": [
            {
                "name": "datasource",
                "label": "Prometheus",
                "type": "datasource",
                "query": "prometheus",
                "current": {},
                "hide": 0,
            },
            {
                "name": "job",
                "label": "Service",
                "type": "query",
                "datasource": DATASOURCE,
                "query": {
                    "query": "label_values(convenio_outbox_backlog, job)",
                    "refId": "job",
                },
                "definition": "label_values(convenio_outbox_backlog, job)",
                "refresh": 2,
                "includeAll": True,
                "multi": True,
                "allValue": ".*",
                "current": {"text": "All", "value": "$__all"},
                "hide": 0,
            },
        ]
    }


def dashboard() -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    y, panel_id = 0, 1
    for title, row in ROWS:
        panels.append(
            {
                "id": panel_id,
                "type": "row",
                "title": title,
                "collapsed": False,
                "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
                "panels": [],
            }
        )
        panel_id, y = panel_id + 1, y + 1
        for i, panel in enumerate(row):
            panels.append(_panel(panel, panel_id, 12 * (i % 2), y + 8 * (i // 2)))
            panel_id += 1
        y += 8 * ((len(row) + 1) // 2)
    return {
        "uid": UID,
        "title": TITLE,
        "description": "Generated by `make k8s` from deploy/convenio_deploy/dashboard.py; "
        "do not edit here. Alerts: docs/operations.md.",
        "tags": ["convenio"],
        "timezone": "browser",
        "editable": False,
        "graphTooltip": 1,
        "refresh": "30s",
        "time": {"from": "now-3h", "to": "now"},
        "schemaVersion": 39,
        "version": 1,
        "templating": _templating(),
        "annotations": {"list": []},
        "links": [],
        "panels": panels,
    }


def dashboard_json() -> str:
    return json.dumps(dashboard(), indent=2, sort_keys=False) + "\n"


def expressions(model: dict[str, Any] | None = None) -> list[str]:
    """Every PromQL expression in a dashboard model: panel targets and variable queries."""
    model = model or dashboard()
    found = [t["expr"] for p in model["panels"] for t in p.get("targets", [])]
    for variable in model["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            found.append(query["query"].removeprefix("label_values(").rsplit(",", 1)[0])
    return found
