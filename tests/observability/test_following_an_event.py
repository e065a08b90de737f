"""Following agency events through the three services, as separate processes on the real broker:
one trace per intake event (through each outbox), metrics that add up to what was sent, and
logs that name the trace but never the officer."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from .. import agency
from ..stack import Stack, running_stack
from .otlp_receiver import CONSUMER, INTERNAL, PRODUCER, OtlpReceiver, ReceivedSpan
from .probes import Scrape, eventually, log_lines

pytestmark = [pytest.mark.connected, pytest.mark.slow]

TOLUCA = 15106
COURSE, OFFERING = "UMS-OBS-2026", "UMS-OBS-2026-01"
INTAKE = "enrolment.intake.v1"
FACT_TOPICS = ("enrolment.officer.v1", "enrolment.course.v1", "enrolment.training.v1")
DLQ = "enrolment.enrolment.intake.v1.dlq"
PUBLISHED = "convenio_outbox_published_total"
REGISTER = "mx.convenio.enrolment.officer.register.v1"
REQUEST = "mx.convenio.enrolment.enrolment.request.v1"


@dataclass(frozen=True)
class Sent:
    """What the agency sent, and under which of its spans."""

    enrolment: agency.AgencySpan
    bad_record: agency.AgencySpan
    officers: list[agency.Command]
    broken: agency.Command


@pytest.fixture(scope="module")
def receiver() -> Iterator[OtlpReceiver]:
    with OtlpReceiver().running() as r:
        yield r


@pytest.fixture(scope="module")
def stack(private_kafka, receiver: OtlpReceiver, tmp_path_factory) -> Iterator[Stack]:
    env = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "LOG_LEVEL": "DEBUG",  # the strictest case for personal data: every record is logged
        # True figures, so that every enrolment changes a published count (a perturbed one
        # may not move: ADR 0070); the trace is what is followed here.
        "REPORTING_DISCLOSURE_CONTROL": "none",
    }
    with running_stack(private_kafka.bootstrap, Path(tmp_path_factory.mktemp("obs")), **env) as s:
        yield s


def send(stack: Stack, *commands: agency.Command) -> None:
    asyncio.run(agency.send(stack.bootstrap, *commands))


def consumed_by(stack: Stack, service: str, expected: float, **labels: str) -> bool:
    return Scrape.of(stack[service].url).consumed(**labels) >= expected


def settled(stack: Stack, service: str) -> bool:
    return Scrape.of(stack[service].url).value("convenio_outbox_backlog") == 0


def downstream_caught_up(stack: Stack) -> bool:
    """Evaluation and reporting consumed every fact enrolment published, and all outboxes are
    empty."""
    if not all(settled(stack, s) for s in ("enrolment", "evaluation", "reporting")):
        return False
    published = Scrape.of(stack["enrolment"].url)
    return all(
        consumed_by(stack, service, published.value(PUBLISHED, topic=t), topic=t)
        for service in ("evaluation", "reporting")
        for t in FACT_TOPICS
    )


@pytest.fixture(scope="module")
def sent(stack: Stack) -> Sent:
    """A course, three officers and their enrolments, a redelivery, a refusal and three bad
    records; the enrolment followed by the trace test is sent last, on its own, so its batch
    in reporting holds nothing else."""
    officers = [agency.register_officer(i, TOLUCA) for i in range(3)]
    send(stack, agency.publish_course(COURSE), agency.schedule_offering(OFFERING, COURSE))
    send(stack, *officers)
    assert eventually(lambda: consumed_by(stack, "reporting", 3, topic="enrolment.officer.v1"))

    bad_span = agency.AgencySpan.new()
    broken = json.loads(agency.register_officer(99, TOLUCA).value)
    del broken["curp"]
    broken_command = agency.command(REGISTER, broken, key="CUIPTEST00000099")
    fact = {k: v for k, v in broken.items() if k not in ("cuip", "full_name")}
    fact["officer_id"] = "off_" + "7" * 32
    # a valid fact, on a topic that does not carry it
    fact_on_intake = agency.command("mx.convenio.enrolment.officer.registered.v1", fact, key="x")
    repeated = agency.request_enrolment(1, OFFERING)
    send(
        stack,
        repeated,
        repeated,
        agency.request_enrolment(2, OFFERING),
        agency.request_enrolment(2, "NO-SUCH-OFFERING"),
        broken_command,
        fact_on_intake,
    )
    asyncio.run(
        agency.send_raw(
            stack.bootstrap,
            INTAKE,
            b"\x89PNG garbage",
            agency.traced(officers[0], bad_span).headers,
        )
    )
    assert eventually(lambda: consumed_by(stack, "enrolment", 12, topic=INTAKE))
    assert eventually(lambda: downstream_caught_up(stack))

    enrolment_span = agency.AgencySpan.new()
    send(stack, agency.traced(agency.request_enrolment(0, OFFERING), enrolment_span))
    assert eventually(lambda: consumed_by(stack, "enrolment", 13, topic=INTAKE))
    assert eventually(lambda: downstream_caught_up(stack))
    return Sent(enrolment_span, bad_span, officers, broken_command)


# --- one trace ---------------------------------------------------------------------------------


def one(spans: list[ReceivedSpan], service: str, kind: int, parent: str | None, name: str = ""):
    found = [
        s
        for s in spans
        if s.service == service and s.kind == kind and s.parent_id == parent and name in s.name
    ]
    assert found, f"no {service} span of kind {kind} under {parent} named {name!r} in {spans}"
    return found[0]


def full_chain(receiver: OtlpReceiver, trace_id: str) -> bool:
    names = {(s.service, s.name) for s in receiver.spans(trace_id)}
    return ("reporting", "reporting.indicators.v1 publish") in names and any(
        service == "evaluation" for service, _ in names
    )


def test_one_intake_event_is_one_trace_across_the_three_services_through_each_outbox(
    sent: Sent, receiver: OtlpReceiver
) -> None:
    trace_id = sent.enrolment.trace_id
    assert eventually(lambda: full_chain(receiver, trace_id)), receiver.spans(trace_id)
    spans = receiver.spans(trace_id)
    assert {s.service for s in spans} == {"enrolment", "evaluation", "reporting"}

    consumed = one(spans, "enrolment", CONSUMER, sent.enrolment.span_id, INTAKE)
    assert consumed.attributes["cloudevents.event_type"] == REQUEST
    relayed = one(spans, "enrolment", PRODUCER, consumed.span_id, "enrolment.training.v1 publish")
    one(spans, "evaluation", CONSUMER, relayed.span_id, "enrolment.training.v1 process")
    projected = one(spans, "reporting", CONSUMER, relayed.span_id, "enrolment.training.v1")
    refreshed = one(spans, "reporting", INTERNAL, projected.span_id, "feed refresh")
    one(spans, "reporting", PRODUCER, refreshed.span_id, "reporting.indicators.v1 publish")


def test_an_event_sent_without_trace_context_starts_a_trace_that_goes_on_downstream(
    sent: Sent, receiver: OtlpReceiver
) -> None:
    roots = [
        s
        for s in receiver.spans()
        if s.service == "enrolment"
        and s.parent_id is None
        and s.attributes.get("cloudevents.event_type") == "mx.convenio.enrolment.course.publish.v1"
    ]
    assert len(roots) == 1
    trace_id = roots[0].trace_id
    assert eventually(
        lambda: {"evaluation", "reporting"} <= {s.service for s in receiver.spans(trace_id)}
    )


def test_a_dead_lettered_record_fails_visibly_in_the_senders_trace(
    sent: Sent, receiver: OtlpReceiver
) -> None:
    trace_id = sent.bad_record.trace_id
    assert eventually(lambda: len(receiver.spans(trace_id)) >= 2)
    spans = receiver.spans(trace_id)
    attempt = one(spans, "enrolment", CONSUMER, sent.bad_record.span_id, INTAKE)
    assert attempt.failed
    assert attempt.attributes["convenio.dead_letter.reason"] == "malformed_payload"
    one(spans, "enrolment", PRODUCER, attempt.span_id, f"{DLQ} publish")


# --- metrics -----------------------------------------------------------------------------------


def test_enrolment_counts_what_was_sent_by_outcome_and_event_type(sent: Sent, stack: Stack) -> None:
    m = Scrape.of(stack["enrolment"].url)
    handled = {
        "mx.convenio.enrolment.course.publish.v1": 1,
        "mx.convenio.enrolment.offering.schedule.v1": 1,
        REGISTER: 3,
        REQUEST: 4,  # three enrolments and one refusal
    }
    for event_type, n in handled.items():
        assert m.value("convenio_records_handled_total", topic=INTAKE, event_type=event_type) == n
    assert m.value("convenio_records_duplicate_total", topic=INTAKE, event_type=REQUEST) == 1
    dead = {
        ("malformed_payload", REGISTER): 1,
        ("contract_violation", REGISTER): 1,
        ("unexpected_event_type", "mx.convenio.enrolment.officer.registered.v1"): 1,
    }
    for (reason, event_type), n in dead.items():
        labels = {"topic": INTAKE, "event_type": event_type, "reason": reason}
        assert m.value("convenio_records_dead_lettered_total", **labels) == n
    assert m.value("convenio_records_dead_lettered_total") == 3
    assert m.value("convenio_records_failed_total") == 0
    assert m.consumed(topic=INTAKE) == 13  # every record sent, each counted once
    assert m.value("convenio_outbox_published_total", topic=DLQ) == 3
    # the refusal, and a notice to its publisher for each of the three dead letters
    assert m.value("convenio_outbox_published_total", topic="intake.rejections.v1") == 1 + 3
    assert m.value("convenio_handler_seconds_count", event_type=REQUEST) == 4


@pytest.mark.parametrize("service", ["evaluation", "reporting"])
def test_downstream_consumed_each_fact_once(sent: Sent, stack: Stack, service: str) -> None:
    published = Scrape.of(stack["enrolment"].url)
    m = Scrape.of(stack[service].url)
    expected = {
        ("enrolment.officer.v1", "mx.convenio.enrolment.officer.registered.v1"): 3,
        ("enrolment.course.v1", "mx.convenio.enrolment.course.published.v1"): 1,
        ("enrolment.course.v1", "mx.convenio.enrolment.offering.scheduled.v1"): 1,
        ("enrolment.training.v1", "mx.convenio.enrolment.enrolment.created.v1"): 3,
    }
    for (topic, event_type), n in expected.items():
        assert m.consumed(topic=topic, event_type=event_type) == n, (topic, event_type)
    for topic in FACT_TOPICS:
        sent_on_topic = published.value("convenio_outbox_published_total", topic=topic)
        assert m.consumed(topic=topic) == sent_on_topic
    assert m.value("convenio_records_duplicate_total") == 0
    assert m.value("convenio_records_dead_lettered_total") == 0


def test_each_subscription_shows_when_it_last_delivered(sent: Sent, stack: Stack) -> None:
    m = Scrape.of(stack["evaluation"].url)
    quiet = m.labels("convenio_seconds_since_last_record", "topic")
    assert {*FACT_TOPICS, "evaluation.intake.v1"} <= quiet
    assert set(FACT_TOPICS) <= m.labels("convenio_last_record_timestamp_seconds", "topic")
    assert "evaluation.intake.v1" not in m.labels("convenio_last_record_timestamp_seconds", "topic")


def test_the_outbox_is_drained_and_every_readiness_check_passes(sent: Sent, stack: Stack) -> None:
    for service in ("enrolment", "evaluation", "reporting"):
        m = Scrape.of(stack[service].url)
        assert m.value("convenio_outbox_backlog") == 0
        assert m.value("convenio_outbox_oldest_age_seconds") == 0
        checks = m.labels("convenio_health_check_ok", "check")
        assert {"database", "kafka", "outbox_relay"} <= checks
        assert all(m.value("convenio_health_check_ok", check=c) == 1 for c in checks)
    assert (
        Scrape.of(stack["reporting"].url).value(
            "convenio_outbox_published_total", topic="reporting.indicators.v1"
        )
        >= 1
    )


# --- logs --------------------------------------------------------------------------------------


def identities(sent: Sent) -> set[str]:
    """Every CUIP, CURP and name sent, as written and as JSON escapes them."""
    values = set()
    for command in [*sent.officers, sent.broken]:
        data = json.loads(command.value)
        for field in ("cuip", "curp", "full_name"):
            if field in data:
                values |= {data[field], json.dumps(data[field])[1:-1]}
    return values


@pytest.mark.parametrize("service", ["enrolment", "evaluation", "reporting"])
def test_logs_name_the_trace_and_the_event(sent: Sent, stack: Stack, service: str) -> None:
    trace_id = sent.enrolment.trace_id
    lines = eventually(
        lambda: [
            line
            for line in log_lines(stack[service].log_path)
            if line.get("trace_id") == trace_id and line.get("ce_id")
        ]
    )
    assert lines, f"no {service} log line in trace {trace_id}"
    assert all(line["span_id"] and line["event_type"] for line in lines)


def test_a_dead_letter_warning_names_the_senders_trace(sent: Sent, stack: Stack) -> None:
    warnings = [
        line
        for line in log_lines(stack["enrolment"].log_path)
        if line["level"] == "WARNING" and line.get("trace_id") == sent.bad_record.trace_id
    ]
    assert len(warnings) == 1
    assert "malformed_payload" in warnings[0]["message"]
    assert warnings[0]["event_type"] == REGISTER


@pytest.mark.parametrize("service", ["enrolment", "evaluation", "reporting"])
def test_logs_carry_no_cuip_curp_or_name_even_at_debug(
    sent: Sent, stack: Stack, service: str
) -> None:
    text = stack[service].log_path.read_text()
    assert text.strip()
    for line in text.splitlines():
        json.loads(line)  # every line is structured
    leaked = {identity for identity in identities(sent) if identity in text}
    assert not leaked
