"""Prometheus metrics every service exposes on ``/metrics``. Names are fixed here so a typo
is an attribute error, not a silently new series.

Every record consumed ends in exactly one of handled, ignored, duplicate or dead-lettered,
counted once its batch commits, so their sum per topic is what the service consumed. ``failed``
counts handling attempts that raised, as they happen: a handler error (the record is then
dead-lettered) or a transient error (the batch is rolled back and retried, so a retried record
counts once per attempt). Event types are labels only when they are catalogued (a bounded set);
anything else is ``unknown``. Sources (a publisher's ``ce_source``) are labels only when
catalogued, paused or among the first few seen (``Quarantine.label``); anything else is
``other``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .dlq import DeadLetterBreaker
from .health import Health
from .quarantine import Quarantine

RECORD_LABELS = ("topic", "event_type")
UNKNOWN_EVENT_TYPE = "unknown"


class SubscriptionActivity(Collector):
    """When each subscribed topic last delivered a record, and how long it has been quiet.

    A topic that has delivered nothing yet counts its quiet time from when the service
    subscribed, so a consumer stuck from the start shows as quiet, not as absent."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._subscribed: dict[str, float] = {}
        self._last: dict[str, float] = {}

    def subscribe(self, topics: Iterable[str]) -> None:
        now = self._clock()
        for topic in topics:
            self._subscribed.setdefault(topic, now)

    def received(self, topics: Iterable[str]) -> None:
        now = self._clock()
        for topic in topics:
            self._last[topic] = now

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = self._clock()
        last = GaugeMetricFamily(
            "convenio_last_record_timestamp_seconds",
            "When a subscribed topic last delivered a record (Unix time)",
            labels=["topic"],
        )
        quiet = GaugeMetricFamily(
            "convenio_seconds_since_last_record",
            "Seconds since a subscribed topic delivered a record (or since subscribing)",
            labels=["topic"],
        )
        for topic in sorted(self._subscribed.keys() | self._last.keys()):
            if topic in self._last:
                last.add_metric([topic], self._last[topic])
            since = self._last.get(topic, self._subscribed.get(topic, now))
            quiet.add_metric([topic], max(0.0, now - since))
        yield last
        yield quiet


class HealthChecks(Collector):
    """Readiness checks as gauges (1 ok, 0 failing), so alerts need no HTTP probe."""

    def __init__(self, health: Health) -> None:
        self._health = health

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "convenio_health_check_ok",
            "Readiness check passing (1) or failing (0)",
            labels=["check"],
        )
        checks = self._health.report()["checks"]
        assert isinstance(checks, dict)
        for name, check in checks.items():
            family.add_metric([name], 1.0 if check["ok"] else 0.0)
        yield family


class SourceAlerts(Collector):
    """Per source: flooding (1 while most of its recent records are garbage: the alert) and
    quarantined (1 while an operator has paused it)."""

    def __init__(self, breaker: DeadLetterBreaker, quarantine: Quarantine) -> None:
        self._breaker, self._quarantine = breaker, quarantine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        flooding = GaugeMetricFamily(
            "convenio_source_flooding",
            "A source whose recent records are mostly dead-lettered (1): the alert condition",
            labels=["source"],
        )
        hot = self._breaker.flooding()
        for source in self._breaker.sources():
            flooding.add_metric([source], 1.0 if source in hot else 0.0)
        quarantined = GaugeMetricFamily(
            "convenio_source_quarantined",
            "A source an operator paused (1): its records are diverted to the dead-letter topic",
            labels=["source"],
        )
        for source in self._quarantine.paused:
            quarantined.add_metric([self._quarantine.label(source)], 1.0)
        yield flooding
        yield quarantined


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._consumer_metrics()
        self._outbox_metrics()
        self.activity = SubscriptionActivity()
        self.registry.register(self.activity)

    def watch(self, health: Health) -> None:
        self.registry.register(HealthChecks(health))

    def watch_sources(self, breaker: DeadLetterBreaker, quarantine: Quarantine) -> None:
        self.registry.register(SourceAlerts(breaker, quarantine))

    def _counter(self, name: str, doc: str, labels: tuple[str, ...] = RECORD_LABELS) -> Counter:
        return Counter(name, doc, labels, registry=self.registry)

    def _consumer_metrics(self) -> None:
        self.handled = self._counter("convenio_records_handled", "Records applied by a handler")
        self.ignored = self._counter(
            "convenio_records_ignored", "Catalogued records this service has no handler for"
        )
        self.duplicates = self._counter(
            "convenio_records_duplicate", "Redelivered records the inbox skipped"
        )
        self.dead_lettered = self._counter(
            "convenio_records_dead_lettered",
            "Records sent to a dead-letter topic",
            (*RECORD_LABELS, "reason"),
        )
        self.source_dead_lettered = self._counter(
            "convenio_source_dead_lettered",
            "Records sent to a dead-letter topic, by the source that sent them",
            ("source", "reason"),
        )
        self.failed = self._counter(
            "convenio_records_failed",
            "Handling attempts that raised: handler_error (dead-lettered) or transient (retried)",
            (*RECORD_LABELS, "error"),
        )
        self.handler_latency = Histogram(
            "convenio_handler_seconds",
            "Time one handler took for one record, inside the batch transaction",
            RECORD_LABELS,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.batch_latency = Histogram(
            "convenio_batch_seconds",
            "Time to handle and commit one batch, retries included",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.batches_retried = Counter(
            "convenio_batches_retried",
            "Batches rolled back after a transient error and retried",
            registry=self.registry,
        )

    def _outbox_metrics(self) -> None:
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
        self.publish_errors = Counter(
            "convenio_outbox_publish_errors",
            "Relay rounds that could not publish (broker or database unreachable)",
            registry=self.registry,
        )
