"""Prometheus metrics every service exposes on ``/metrics``. Names are fixed here so a typo
is an attribute error, not a silently new series.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        labels = ("topic", "event_type")
        self.handled = Counter(
            "convenio_records_handled", "Records applied once", labels, registry=self.registry
        )
        self.duplicates = Counter(
            "convenio_records_duplicate",
            "Redelivered records skipped",
            labels,
            registry=self.registry,
        )
        self.dead_lettered = Counter(
            "convenio_records_dead_lettered",
            "Records sent to a DLQ",
            ("topic", "reason"),
            registry=self.registry,
        )
        self.failed = Counter(
            "convenio_batches_failed",
            "Batches retried after a transient error",
            ("topic",),
            registry=self.registry,
        )
        self.batch_latency = Histogram(
            "convenio_batch_seconds",
            "Time to handle and commit one batch",
            ("topic",),
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.last_record = Gauge(
            "convenio_last_record_timestamp_seconds",
            "When a record was last consumed",
            ("topic",),
            registry=self.registry,
        )
        self.outbox_backlog = Gauge(
            "convenio_outbox_backlog", "Outbox rows not yet published", registry=self.registry
        )
        self.outbox_oldest_age = Gauge(
            "convenio_outbox_oldest_age_seconds",
            "Age of the oldest unpublished outbox row",
            registry=self.registry,
        )
        self.published = Counter(
            "convenio_outbox_published",
            "Outbox rows published",
            ("topic",),
            registry=self.registry,
        )
