"""Each record is handled in its sender's trace, and the trace goes on through the outbox."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from opentelemetry.trace import SpanKind, StatusCode
from sqlmodel import select

from convenio_chassis.health import Health
from convenio_chassis.metrics import Metrics
from convenio_chassis.outbox import OutboxRecord, outbox_row_for
from convenio_chassis.relay import OutboxRelay
from convenio_chassis.settings import OutboxSettings
from convenio_chassis.tracing import consume_span


def hex_trace(span) -> str:
    return f"{span.context.trace_id:032x}"


def hex_span(span) -> str:
    return f"{span.context.span_id:016x}"


def parent_of(span) -> str | None:
    return f"{span.parent.span_id:016x}" if span.parent else None


def traceparent_span(headers: dict[str, bytes]) -> str:
    return headers["traceparent"].decode().split("-")[2]


def outbox_rows(sessions) -> list[OutboxRecord]:
    with sessions() as session:
        return list(session.exec(select(OutboxRecord).order_by(OutboxRecord.id)))


def test_a_record_is_handled_in_a_consumer_span_of_its_senders_trace(
    agency, processor, recorded_spans
) -> None:
    processor.process([agency.registration("CUIP0000000001")])
    [span] = recorded_spans.get_finished_spans()
    assert span.kind is SpanKind.CONSUMER
    assert (hex_trace(span), parent_of(span)) == (agency.SENDER_TRACE, agency.SENDER_SPAN)
    assert span.name == "enrolment.intake.v1 process"
    assert span.attributes["cloudevents.event_type"] == "mx.convenio.enrolment.officer.register.v1"
    assert span.attributes["convenio.outcome"] == "handled"


def test_a_record_without_trace_context_starts_a_new_trace(
    agency, processor, recorded_spans
) -> None:
    processor.process([agency.registration("CUIP0000000001", traceparent=None)])
    [span] = recorded_spans.get_finished_spans()
    assert span.parent is None
    assert hex_trace(span) != agency.SENDER_TRACE


def test_spans_carry_no_identity_of_the_officer(agency, processor, recorded_spans) -> None:
    cuip = "CUIP0000000001"
    processor.process([agency.registration(cuip)])
    [span] = recorded_spans.get_finished_spans()
    values = " ".join(str(v) for v in span.attributes.values())
    assert cuip not in values  # the record key of intake is the CUIP
    assert agency.CURP not in values
    assert agency.FULL_NAME not in values


def test_the_outbox_row_continues_the_handlers_span(
    agency, processor, sessions, recorded_spans
) -> None:
    processor.process([agency.registration("CUIP0000000001")])
    [span] = recorded_spans.get_finished_spans()
    [row] = outbox_rows(sessions)
    headers = dict(row.header_list())
    assert headers["traceparent"].decode().split("-")[1] == agency.SENDER_TRACE
    assert traceparent_span(headers) == hex_span(span)


def test_each_outcome_of_a_batch_is_a_span_in_its_senders_trace(
    agency, processor, recorded_spans
) -> None:
    first = agency.registration("CUIP0000000001")
    garbage = agency.Record(b"\x00garbage", first.headers, offset=41)
    processor.process([first, first, agency.course_publication(), garbage])
    spans = recorded_spans.get_finished_spans()
    assert {hex_trace(s) for s in spans} == {agency.SENDER_TRACE}
    assert sorted(s.attributes["convenio.outcome"] for s in spans) == [
        "dead_lettered",
        "duplicate",
        "handled",
        "ignored",
    ]


def test_a_dead_letter_is_a_failed_span_and_continues_its_trace(
    agency, processor, sessions, recorded_spans
) -> None:
    good = agency.registration("CUIP0000000002")
    processor.process([agency.Record(b"\x00garbage", good.headers, offset=41)])
    [span] = recorded_spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.status.description == "malformed_payload"
    assert parent_of(span) == agency.SENDER_SPAN
    dead, notice = outbox_rows(sessions)
    assert notice.topic == "intake.rejections.v1"
    for row in (dead, notice):
        assert traceparent_span(dict(row.header_list())) == hex_span(span)


def test_a_failing_handler_marks_its_span_with_the_error_class_only(
    agency, processor, behaviour, recorded_spans
) -> None:
    behaviour.bug_for = {"CUIP0000000003"}
    processor.process([agency.registration("CUIP0000000003")])
    [span] = recorded_spans.get_finished_spans()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["convenio.dead_letter.reason"] == "handler_error"
    assert span.events == ()  # no exception event: its message quotes the officer
    assert agency.CURP not in str(span.status.description)


def test_an_exception_leaving_a_span_is_recorded_without_its_message(
    agency, recorded_spans
) -> None:
    with pytest.raises(RuntimeError), consume_span("t process", {}):
        raise RuntimeError(f"officer {agency.CURP}")
    [span] = recorded_spans.get_finished_spans()
    assert span.status.description == "RuntimeError"
    assert span.events == ()


@dataclass
class FakeProducer:
    """Acknowledges every record at once, keeping what was sent."""

    sent: list[tuple[str, list[tuple[str, bytes]]]] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def send(self, topic: str, value, key, headers) -> asyncio.Future[object]:
        self.sent.append((topic, headers))
        delivered: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        delivered.set_result(None)
        return delivered


def relay_over(sessions, producer: FakeProducer, metrics: Metrics, batch_size: int = 100):
    return OutboxRelay(
        sessions, lambda: producer, OutboxSettings(batch_size=batch_size), Health(), metrics
    )


async def test_the_relay_publishes_in_a_child_span_and_sends_its_context(
    agency, processor, sessions, recorded_spans
) -> None:
    processor.process([agency.registration("CUIP0000000001")])
    [consumed] = recorded_spans.get_finished_spans()
    producer = FakeProducer()
    await relay_over(sessions, producer, Metrics()).publish_pending()
    published = next(s for s in recorded_spans.get_finished_spans() if s.kind is SpanKind.PRODUCER)
    assert published.name == "enrolment.officer.v1 publish"
    assert parent_of(published) == hex_span(consumed)
    [(_, headers)] = producer.sent
    assert traceparent_span(dict(headers)) == hex_span(published)
    assert [k for k, _ in headers].count("traceparent") == 1


async def test_the_backlog_gauge_counts_every_waiting_row_not_just_one_batch(
    agency, sessions, metrics: Metrics
) -> None:
    with sessions() as session, session.begin():
        session.add_all(outbox_row_for(agency.officer_registered(), source="/t") for _ in range(5))
    relay = relay_over(sessions, FakeProducer(), metrics, batch_size=2)
    await relay.publish_pending()
    assert metrics.registry.get_sample_value("convenio_outbox_backlog") == 5
    await relay.publish_pending()
    assert metrics.registry.get_sample_value("convenio_outbox_backlog") == 3
    assert metrics.registry.get_sample_value("convenio_outbox_oldest_age_seconds") >= 0
