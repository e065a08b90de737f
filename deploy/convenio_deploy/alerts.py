"""The alerts, written once: the PrometheusRule in ``deploy/k8s/base/monitoring``, the rule file
the compose stack's Prometheus loads and the alert table in ``docs/operations.md`` ("What to
watch, and when to alert") are all generated from ``ALERTS`` (``make k8s``).

Every expression uses only metrics the services export (``promql.exported``) or the Kafka
Exporter's ``kafka_consumergroup_lag``; ``job`` is the scrape job, one per service (the
ServiceMonitor's Service name, or the compose job name). Each alert has a unit test in
``tests/deploy/promtool/`` run with ``promtool test rules``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .services import SERVICES

Severity = Literal["page", "warning", "ticket"]
SEVERITIES: tuple[Severity, ...] = ("page", "warning", "ticket")
GROUP = "convenio"
RUNBOOK = "docs/operations.md, What to watch, and when to alert"
CONSUMER_GROUPS = "|".join(s.group for s in SERVICES)


@dataclass(frozen=True)
class Alert:
    name: str
    signal: str
    """What the alert watches, in a word or two (the doc table's first column)."""
    expr: str
    severity: Severity
    summary: str
    """One line, with the labels that say where (Prometheus template)."""
    why: str
    """Why it matters and the first step: the alert's description and the doc's last column."""
    for_: str | None = None
    labels: dict[str, str] = field(default_factory=dict)

    def rule(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"alert": self.name, "expr": self.expr}
        if self.for_:
            rule["for"] = self.for_
        rule["labels"] = {"severity": self.severity, **self.labels}
        rule["annotations"] = {
            "summary": self.summary,
            "description": self.why.replace("`", ""),
            "runbook": RUNBOOK,
        }
        return rule


def _stuck(group: str, job: str) -> Alert:
    return Alert(
        name="ConvenioConsumerStuck",
        signal=f"Stuck consumer ({group})",
        expr=(
            f'sum by (consumergroup, topic) (kafka_consumergroup_lag{{consumergroup="{group}"}})'
            f" > 0 and on (topic) max by (topic) "
            f'(convenio_seconds_since_last_record{{job="{job}"}}) > 300'
        ),
        severity="page",
        summary="{{ $labels.consumergroup }} has lag on {{ $labels.topic }} but has read "
        "nothing from it for 5 minutes",
        why="Records wait but none arrive: a rebalance loop, an ACL error, a batch failing "
        "again and again (readiness `consumer`). "
        "Readiness says which. Quiet topics alone are normal: this alerts only with lag.",
        labels={"consumergroup": group},  # one rule per group: labels tell them apart
    )


ALERTS: tuple[Alert, ...] = (
    Alert(
        name="ConvenioDeadLetters",
        signal="Dead letters",
        expr="sum by (job, topic, reason) "
        "(increase(convenio_records_dead_lettered_total[15m])) > 0",
        severity="ticket",
        summary="{{ $labels.job }} dead-lettered records from {{ $labels.topic }} "
        "({{ $labels.reason }})",
        why="Someone publishes records the contract refuses, or a handler has a bug "
        '(`reason="handler_error"`). Read the DLQ: docs/operations.md, "Reading a dead letter".',
    ),
    Alert(
        name="ConvenioDeadLetterFlood",
        signal="Dead-letter flood",
        expr="max by (job, source) (convenio_source_flooding) == 1",
        for_="5m",
        severity="page",
        summary="{{ $labels.job }}: source {{ $labels.source }} sends mostly records it "
        "cannot accept",
        why="One source (its `ce_source`; `unknown` when unreadable, `other` past the label "
        "limit) sends mostly garbage. The consumer goes on: every such record is dead-lettered "
        "(`convenio_source_dead_lettered_total`) and other sources flow (ADR 0080). Tell the "
        'publisher; if it keeps on, pause it ("Pausing a source"). Every source at once points '
        "at our own deploy: roll back, then re-drive.",
    ),
    Alert(
        name="ConvenioSourceQuarantined",
        signal="Source quarantined",
        expr="max by (job, source) (convenio_source_quarantined) == 1",
        severity="ticket",
        summary="{{ $labels.job }}: source {{ $labels.source }} is paused",
        why="An operator paused the source: its records, valid or not, go to the DLQ as "
        "`source_quarantined`. Re-drive them once the publisher is fixed, then release it.",
    ),
    Alert(
        name="ConvenioHandlerErrors",
        signal="Handler bug",
        expr="sum by (job, event_type) "
        '(increase(convenio_records_failed_total{error="handler_error"}[15m])) > 0',
        severity="ticket",
        summary="{{ $labels.job }}: a handler raised on {{ $labels.event_type }}",
        why="Code location in the log line's `stack`; the message in the dead letter's "
        "`dlq.error` header.",
    ),
    Alert(
        name="ConvenioBatchesRetried",
        signal="Database trouble",
        expr="sum by (job) (increase(convenio_batches_retried_total[5m])) > 0",
        for_="5m",
        severity="page",
        summary="{{ $labels.job }} keeps retrying batches after transient errors",
        why="The batch is retried, never skipped; readiness shows `consumer: retrying`.",
    ),
    Alert(
        name="ConvenioOutboxBacklogOld",
        signal="Outbox backlog age",
        expr="max by (job) (convenio_outbox_oldest_age_seconds) > 60",
        for_="5m",
        severity="warning",
        summary="{{ $labels.job }}: the oldest unpublished outbox row is over a minute old",
        why="The relay publishes within a second normally; an old row means it cannot "
        "(broker down, ACL, topic missing): see `convenio_outbox_publish_errors_total` and "
        "readiness `outbox_relay`.",
    ),
    Alert(
        name="ConvenioOutboxBacklogStale",
        signal="Outbox backlog age",
        expr="max by (job) (convenio_outbox_oldest_age_seconds) > 300",
        for_="5m",
        severity="page",
        summary="{{ $labels.job }}: the oldest unpublished outbox row is over 5 minutes old",
        why="Facts and answers are not leaving the service: the relay cannot publish. "
        "See `convenio_outbox_publish_errors_total` and readiness `outbox_relay`.",
    ),
    Alert(
        name="ConvenioConsumerLag",
        signal="Consumer lag",
        expr="sum by (consumergroup, topic) "
        f'(kafka_consumergroup_lag{{consumergroup=~"{CONSUMER_GROUPS}"}}) > 50000',
        for_="10m",
        severity="warning",
        summary="{{ $labels.consumergroup }} is more than 50,000 records behind on "
        "{{ $labels.topic }}",
        why="At 5,000 events/s that is 10 s of work that does not shrink: under-provisioned "
        "(KEDA should be scaling) or stuck.",
    ),
    *(_stuck(service.group, service.name) for service in SERVICES),
    Alert(
        name="ConvenioNotReady",
        signal="Readiness",
        expr="min by (job, check) (convenio_health_check_ok) == 0",
        for_="2m",
        severity="page",
        summary="{{ $labels.job }} is not ready: check {{ $labels.check }} fails",
        why="`GET /health/ready` names the failing check (`database`, `kafka`, `consumer`, "
        "`outbox_relay`, `feed_refresh`, `expiry_scheduler`) and the reason, an exception's "
        "class only. Flooding and paused sources (`alerts`) never make it red.",
    ),
    Alert(
        name="ConvenioHandlerSlow",
        signal="Handler latency",
        expr="histogram_quantile(0.99, sum by (le, job, event_type) "
        "(rate(convenio_handler_seconds_bucket[5m]))) > 0.05",
        for_="15m",
        severity="warning",
        summary="{{ $labels.job }}: p99 handler time for {{ $labels.event_type }} is over 50 ms",
        why="One event type got slow (a missing index, a growing scan).",
    ),
    Alert(
        name="ConvenioBatchSlow",
        signal="Batch latency",
        expr="sum by (job) (rate(convenio_batch_seconds_sum[5m])) "
        "/ sum by (job) (rate(convenio_batch_seconds_count[5m])) > 30",
        for_="5m",
        severity="warning",
        summary="{{ $labels.job }}: batches take over 30 s on average",
        why="Approaching `max_poll_interval_ms` (5 min) means rebalance loops; lower "
        "`CONSUMER_MAX_BATCH`. The mean, not a quantile: `convenio_batch_seconds` has no "
        "bucket above 10 s, so its p99 can never read more than 10.",
    ),
    Alert(
        name="ConvenioFeedStale",
        signal="Feed freshness",
        expr="time() - max by (job) (convenio_feed_current_as_of_seconds) > 300",
        for_="5m",
        severity="warning",
        summary="{{ $labels.job }}: the ONC feed has not been up to date for 5 minutes",
        why="`convenio_feed_current_as_of_seconds` (reporting) stopped advancing: facts wait "
        "for a refresh that does not come (ADR 0051). Refreshes fail (readiness "
        "`feed_refresh`, `convenio_feed_refresh_failures_total`) or a backlog spaces them out "
        "(consumer lag).",
    ),
)


def rule_groups() -> list[dict[str, Any]]:
    """The ``groups`` of a Prometheus rule file, and of the PrometheusRule's spec."""
    return [{"name": GROUP, "rules": [alert.rule() for alert in ALERTS]}]


def names() -> set[str]:
    return {alert.name for alert in ALERTS}


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table() -> str:
    """The doc's alert table, one row per rule."""
    rows = [
        "| Signal | Alert | Fires when | Severity | Why and first step |",
        "|---|---|---|---|---|",
    ]
    for alert in ALERTS:
        when = f"`{_cell(alert.expr)}`" + (f" for {alert.for_}" if alert.for_ else "")
        rows.append(
            f"| {alert.signal} | `{alert.name}` | {when} | {alert.severity} | {_cell(alert.why)} |"
        )
    return "\n".join(rows) + "\n"
