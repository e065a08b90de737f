"""Every record consumed is counted once, by topic, event type and outcome."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from convenio_chassis.health import Health
from convenio_chassis.metrics import HealthChecks, Metrics, SubscriptionActivity

REGISTER = "mx.convenio.enrolment.officer.register.v1"
PUBLISH = "mx.convenio.enrolment.course.publish.v1"


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def test_each_outcome_is_counted_by_topic_and_event_type(agency, processor, metrics) -> None:
    first = agency.registration("CUIP0000000001")
    unknown_type = [(k, b"mx.convenio.enrolment.officer.fly.v1" if k == "ce_type" else v)
                    for k, v in first.headers]  # fmt: skip
    processor.process(
        [
            first,
            first,
            agency.registration("CUIP0000000002"),
            agency.course_publication(),
            agency.Record(b"\x00garbage", first.headers, offset=41),
            agency.Record(first.value, unknown_type, offset=42),
        ]
    )
    by_type = {"topic": agency.INTAKE, "event_type": REGISTER}
    assert sample(metrics, "convenio_records_handled_total", **by_type) == 2
    assert sample(metrics, "convenio_records_duplicate_total", **by_type) == 1
    assert (
        sample(metrics, "convenio_records_ignored_total", topic=agency.INTAKE, event_type=PUBLISH)
        == 1
    )
    assert (
        sample(
            metrics, "convenio_records_dead_lettered_total", **by_type, reason="malformed_payload"
        )
        == 1
    )
    # a type nobody catalogued is not a label value: senders cannot mint series
    unknown = {"topic": agency.INTAKE, "event_type": "unknown", "reason": "unknown_event_type"}
    assert sample(metrics, "convenio_records_dead_lettered_total", **unknown) == 1
    assert sample(metrics, "convenio_handler_seconds_count", **by_type) == 2


def test_a_handler_error_is_counted_as_failed_and_dead_lettered(
    agency, processor, metrics, behaviour
) -> None:
    behaviour.bug_for = {"CUIP0000000003"}
    processor.process([agency.registration("CUIP0000000003")])
    by_type = {"topic": agency.INTAKE, "event_type": REGISTER}
    assert sample(metrics, "convenio_records_failed_total", **by_type, error="handler_error") == 1
    dead = {**by_type, "reason": "handler_error"}
    assert sample(metrics, "convenio_records_dead_lettered_total", **dead) == 1
    assert sample(metrics, "convenio_records_handled_total", **by_type) == 0


def test_a_transient_error_counts_a_failed_attempt_and_nothing_handled(
    agency, processor, metrics, behaviour
) -> None:
    behaviour.transient_for = {"CUIP0000000005"}
    with pytest.raises(OperationalError):
        processor.process(
            [agency.registration("CUIP0000000004"), agency.registration("CUIP0000000005")]
        )
    by_type = {"topic": agency.INTAKE, "event_type": REGISTER}
    assert sample(metrics, "convenio_records_failed_total", **by_type, error="transient") == 1
    # the first record's effect was rolled back with the batch: it was not handled (yet)
    assert sample(metrics, "convenio_records_handled_total", **by_type) == 0


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_quiet_subscription_counts_from_when_it_was_subscribed() -> None:
    clock = Clock(1000.0)
    activity = SubscriptionActivity(clock)
    activity.subscribe(["a", "b"])
    clock.now = 1060.0
    activity.received(["a"])
    clock.now = 1090.0
    samples = {(m.name, s.labels["topic"]): s.value for m in activity.collect() for s in m.samples}
    assert samples == {
        ("convenio_last_record_timestamp_seconds", "a"): 1060.0,
        ("convenio_seconds_since_last_record", "a"): 30.0,
        ("convenio_seconds_since_last_record", "b"): 90.0,
    }


def test_readiness_checks_are_gauges() -> None:
    health = Health()
    health.pending("kafka")
    health.set("database", True)
    [family] = HealthChecks(health).collect()
    assert {s.labels["check"]: s.value for s in family.samples} == {"database": 1, "kafka": 0}
