"""Dead-letter notices (ADR 0098): a record dead-lettered from an intake topic gives its
publisher a notice on ``intake.rejections.v1``, in the dead letter's transaction, that says why
and where and echoes ce_id/ce_type/ce_source, and carries nothing else of the record."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from convenio_chassis.notices import intake_topics
from convenio_chassis.outbox import OutboxRecord
from convenio_contracts import decode
from convenio_contracts.rejections import IntakeDeadLettered

NOTICE_HEADERS = {
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_time",
    "ce_subject",
    "ce_dataschema",
    "content-type",
    "traceparent",
}


def outbox(sessions) -> list[OutboxRecord]:
    with sessions() as session:
        return list(session.exec(select(OutboxRecord).order_by(OutboxRecord.id)))


def notices(sessions) -> list[OutboxRecord]:
    return [r for r in outbox(sessions) if r.topic == "intake.rejections.v1"]


def header(row: OutboxRecord, name: str) -> bytes:
    return dict(row.header_list())[name]


def test_intake_topics_are_those_someone_outside_the_services_writes() -> None:
    assert intake_topics() == {
        "enrolment.intake.v1",
        "evaluation.intake.v1",
        "reporting.intake.v1",
        "reporting.responses.intake.v1",
    }


def test_a_malformed_record_gets_a_notice_with_reason_and_position_and_no_payload(
    agency, processor, sessions
) -> None:
    good = agency.registration("CUIP0000000001")
    # A payload that is not JSON but quotes the officer: none of it may reach the notice.
    value = f"not json {agency.CURP} {agency.FULL_NAME}".encode()
    processor.process([agency.Record(value, good.headers, partition=4, offset=77, key=b"K-9")])
    dead, notice = outbox(sessions)
    assert dead.topic == "enrolment.enrolment.intake.v1.dlq"
    assert notice.topic == "intake.rejections.v1"
    sent = dict(good.headers)
    event = decode(notice.value, notice.header_list())
    assert isinstance(event.data, IntakeDeadLettered)
    assert event.data.model_dump() == {
        "notice_key": sent["ce_id"].decode(),
        "reason": "malformed_payload",
        "original_topic": "enrolment.intake.v1",
        "original_partition": 4,
        "original_offset": 77,
        "original_event_id": sent["ce_id"].decode(),
        "original_event_type": sent["ce_type"].decode(),
        "original_source": sent["ce_source"].decode(),
    }
    assert notice.key == sent["ce_id"]
    assert {name for name, _ in notice.header_list()} <= NOTICE_HEADERS
    told = (notice.value or b"") + b"".join(v for _, v in notice.header_list()) + notice.key
    for secret in (agency.CURP, agency.FULL_NAME, "not json", "K-9"):
        assert secret.encode() not in told


def test_a_record_without_headers_is_noticed_by_its_position(agency, processor, sessions) -> None:
    processor.process([agency.Record(b"{}", [], partition=1, offset=5)])
    [notice] = notices(sessions)
    assert notice.key == b"enrolment.intake.v1:1:5"
    data = json.loads(notice.value or b"")
    assert data["reason"] == "missing_header"
    assert data["original_event_id"] is None


def test_unreadable_or_oversized_headers_are_not_echoed(agency, processor, sessions) -> None:
    headers = [("ce_id", b"\xff\xfe"), ("ce_type", b"x" * 201), ("ce_source", b"/agency/a")]
    processor.process([agency.Record(b"{}", headers, partition=0, offset=9)])
    [notice] = notices(sessions)
    data = json.loads(notice.value or b"")
    assert data["original_event_id"] is None
    assert data["original_event_type"] is None
    assert data["original_source"] == "/agency/a"
    assert notice.key == b"enrolment.intake.v1:0:9"


def test_a_failing_handler_gives_one_notice_without_the_error_detail(
    agency, processor, sessions, behaviour
) -> None:
    """The optimistic pass is rolled back and redone: one dead letter, one notice; the
    handler's message (it quotes the CURP) stays in the dead letter."""
    behaviour.bug_for = {"CUIP0000000003"}
    processor.process(
        [agency.registration("CUIP0000000003"), agency.registration("CUIP0000000004")]
    )
    [dead] = [r for r in outbox(sessions) if r.topic.endswith(".dlq")]
    assert agency.CURP.encode() in header(dead, "dlq.error")
    [notice] = notices(sessions)
    assert json.loads(notice.value or b"")["reason"] == "handler_error"
    assert agency.CURP.encode() not in (notice.value or b"")


def test_a_rolled_back_batch_leaves_no_notice(agency, processor, sessions, behaviour) -> None:
    behaviour.transient_for = {"CUIP0000000006"}
    garbage = agency.Record(b"\x00garbage", agency.registration("CUIP0000000005").headers)
    with pytest.raises(OperationalError):
        processor.process([garbage, agency.registration("CUIP0000000006")])
    assert outbox(sessions) == []


def test_the_same_dead_letter_always_gives_the_same_notice_id(agency, processor, sessions) -> None:
    garbage = agency.Record(b"\x00garbage", agency.registration("CUIP0000000007").headers)
    processor.process([garbage])
    processor.process([garbage])
    processor.process([agency.Record(b"\x00garbage", garbage.headers, offset=garbage.offset + 1)])
    first, again, other = (header(n, "ce_id") for n in notices(sessions))
    assert first == again != other


def test_a_record_of_a_topic_only_services_write_gets_no_notice(
    agency, processor, sessions
) -> None:
    processor.process([agency.Record(b"\x00garbage", [], topic="enrolment.officer.v1")])
    [dead] = outbox(sessions)
    assert dead.topic == "enrolment.enrolment.officer.v1.dlq"
