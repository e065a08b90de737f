"""The consumer pipeline against a real SQLite database, with records built by hand."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import Field, SQLModel, select

from convenio_chassis.consumer import BatchProcessor, UnitOfWork
from convenio_chassis.db import create_tables, make_engine, session_factory
from convenio_chassis.dlq import DeadLetterBreaker
from convenio_chassis.inbox import ProcessedMessage
from convenio_chassis.outbox import OutboxRecord
from convenio_chassis.quarantine import Quarantine
from convenio_contracts import CloudEvent, encode
from convenio_contracts.enrolment import OfficerRegistered, RegisterOfficer
from convenio_contracts.rejections import RejectionReason

INTAKE = "enrolment.intake.v1"


class Registration(SQLModel, table=True):
    __tablename__ = "test_registration"
    cuip: str = Field(primary_key=True)


@dataclass
class Record:
    value: bytes | None
    headers: list[tuple[str, bytes]]
    topic: str = INTAKE
    partition: int = 0
    offset: int = 0
    key: bytes | None = b"k"


@dataclass
class Behaviour:
    fail_for: set[str] = field(default_factory=set)
    transient: bool = False
    reject_for: set[str] = field(default_factory=set)


def register(cuip: str) -> Record:
    event = RegisterOfficer(
        cuip=cuip,
        curp="GOML850101HMCRRS09",
        full_name="Luis Gómez",
        sex="hombre",
        corporation="Policía de Toluca",
        level="municipal",
        municipality=15106,
        profile="proximidad",
        rank="policía",
        hire_year=2019,
    )
    out = encode(event, source="/tests")
    return Record(out.value, out.headers)


@pytest.fixture
def sessions(database_url: str) -> Iterator:
    engine = make_engine(database_url)
    create_tables(engine, [ProcessedMessage, OutboxRecord, Registration])
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def behaviour() -> Behaviour:
    return Behaviour()


@pytest.fixture
def processor(sessions, behaviour: Behaviour) -> BatchProcessor:
    def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        cuip = event.data.cuip  # type: ignore[attr-defined]
        uow.session.add(Registration(cuip=cuip))
        uow.session.flush()  # the partial effect a failing handler must not leave behind
        if cuip in behaviour.fail_for:
            if behaviour.transient:
                raise OperationalError("SELECT 1", {}, Exception("database is locked"))
            raise RuntimeError(f"bug while handling {cuip}")
        if cuip in behaviour.reject_for:
            uow.reject(RejectionReason.CONFLICTING_REGISTRATION, "differs")
            return
        uow.emit(
            OfficerRegistered(
                officer_id="off_" + "0" * 32,
                sex="hombre",
                corporation="x",
                level="municipal",
                municipality=15106,
                profile="proximidad",
                rank="policía",
                hire_year=2019,
            )
        )

    return BatchProcessor(
        "svc",
        "/tests",
        {RegisterOfficer.event_type: handle},
        sessions,
        DeadLetterBreaker(window=10, max_invalid_ratio=0.5, min_invalid=4),
    )


def rows(sessions, table: type[SQLModel]) -> list:
    with sessions() as session:
        return list(session.exec(select(table)))


def dlq_headers(sessions) -> list[dict[str, bytes]]:
    return [dict(r.header_list()) for r in rows(sessions, OutboxRecord) if r.topic.endswith(".dlq")]


def test_a_valid_record_changes_state_emits_a_fact_and_is_marked_processed(
    processor, sessions
) -> None:
    outcome = processor.process([register("CUIP0000000001")])
    assert outcome.handled == 1
    assert [r.cuip for r in rows(sessions, Registration)] == ["CUIP0000000001"]
    assert [r.topic for r in rows(sessions, OutboxRecord)] == ["enrolment.officer.v1"]
    assert len(rows(sessions, ProcessedMessage)) == 1


def test_a_redelivered_event_has_no_second_effect(processor, sessions) -> None:
    record = register("CUIP0000000001")
    processor.process([record])
    outcome = processor.process([record, record])
    assert (outcome.handled, outcome.duplicates) == (0, 2)
    assert len(rows(sessions, Registration)) == 1
    assert len(rows(sessions, OutboxRecord)) == 1


def test_garbage_is_dead_lettered_with_its_reason_and_the_batch_goes_on(
    processor, sessions
) -> None:
    good = register("CUIP0000000002")
    garbage = Record(b"\x00garbage", good.headers, partition=3, offset=41)
    outcome = processor.process([garbage, good])
    assert outcome.handled == 1
    [headers] = dlq_headers(sessions)
    assert headers["dlq.reason"] == b"malformed_payload"
    assert headers["dlq.original.topic"] == INTAKE.encode()
    assert (headers["dlq.original.partition"], headers["dlq.original.offset"]) == (b"3", b"41")
    assert b"JSON" in headers["dlq.error"]
    [dead] = [r for r in rows(sessions, OutboxRecord) if r.topic == "svc.enrolment.intake.v1.dlq"]
    assert dead.value == b"\x00garbage"


def test_a_record_without_headers_is_dead_lettered(processor, sessions) -> None:
    processor.process([Record(b"{}", [])])
    [headers] = dlq_headers(sessions)
    assert headers["dlq.reason"] == b"missing_header"


def test_a_failing_handler_dead_letters_its_record_and_leaves_no_partial_effect(
    processor, sessions, behaviour: Behaviour
) -> None:
    behaviour.fail_for = {"CUIP0000000003"}
    outcome = processor.process([register("CUIP0000000003"), register("CUIP0000000004")])
    assert outcome.handled == 1
    assert [r.cuip for r in rows(sessions, Registration)] == ["CUIP0000000004"]
    [headers] = dlq_headers(sessions)
    assert headers["dlq.reason"] == b"handler_error"
    assert headers["dlq.exception"] == b"RuntimeError"
    # not marked processed, so it can be re-driven after a fix
    assert len(rows(sessions, ProcessedMessage)) == 1


def test_a_transient_error_rolls_the_whole_batch_back(
    processor, sessions, behaviour: Behaviour
) -> None:
    behaviour.fail_for, behaviour.transient = {"CUIP0000000006"}, True
    with pytest.raises(OperationalError):
        processor.process([register("CUIP0000000005"), register("CUIP0000000006")])
    assert rows(sessions, Registration) == []
    assert rows(sessions, ProcessedMessage) == []
    assert rows(sessions, OutboxRecord) == []


def test_a_refusal_becomes_a_rejection_event(processor, sessions, behaviour: Behaviour) -> None:
    behaviour.reject_for = {"CUIP0000000007"}
    processor.process([register("CUIP0000000007")])
    [row] = rows(sessions, OutboxRecord)
    assert row.topic == "intake.rejections.v1"
    assert dict(row.header_list())["ce_type"] == b"mx.convenio.enrolment.intake.rejected.v1"


def test_an_event_type_not_carried_by_the_topic_is_dead_lettered(processor, sessions) -> None:
    fact = encode(
        OfficerRegistered(
            officer_id="off_" + "1" * 32,
            sex="mujer",
            corporation="x",
            level="estatal",
            municipality=15001,
            profile="reaccion",
            rank="r",
            hire_year=2020,
        ),
        source="/t",
    )
    processor.process([Record(fact.value, fact.headers)])
    [headers] = dlq_headers(sessions)
    assert headers["dlq.reason"] == b"unexpected_event_type"


def test_a_flood_from_one_source_is_dead_lettered_and_flagged_while_others_flow(
    processor, sessions
) -> None:
    """Past the breaker's limits the consumer carries on: the flood is dead-lettered (nothing
    lost), its source is flagged as flooding, and another source's records are handled."""
    flood = [
        Record(b"x", _with_source(register(f"CUIP000000010{i}").headers, b"/agency/flood"))
        for i in range(6)
    ]
    outcome = processor.process([*flood, register("CUIP0000000200")])
    assert (len(outcome.dead_letters), outcome.handled) == (6, 1)
    assert processor.breaker.flooding() == {"/agency/flood"}
    assert outcome.by_source == Counter({("/agency/flood", "malformed_payload"): 6})
    assert [r.cuip for r in rows(sessions, Registration)] == ["CUIP0000000200"]


def test_a_record_whose_source_cannot_be_read_counts_against_unknown(processor) -> None:
    record = Record(b"x", _with_source(register("CUIP0000000300").headers, b"\xff\xfe"))
    outcome = processor.process([record])
    assert outcome.by_source == Counter({("unknown", "invalid_header"): 1})


def test_a_paused_source_is_diverted_valid_or_not_and_others_are_handled(sessions) -> None:
    """Its records go to the DLQ as source_quarantined, unprocessed, so a re-drive applies
    them; a paused source is not judged by the breaker."""
    handled: list[str] = []
    processor = BatchProcessor(
        "svc",
        "/tests",
        {RegisterOfficer.event_type: lambda uow, event: handled.append(event.data.cuip)},  # type: ignore[attr-defined]
        sessions,
        DeadLetterBreaker(window=10, max_invalid_ratio=0.5, min_invalid=1),
        quarantine=Quarantine(paused=["/agency/flood"]),
    )
    paused = _with_source(register("CUIP0000000400").headers, b"/agency/flood")
    outcome = processor.process(
        [Record(register("CUIP0000000400").value, paused), register("CUIP0000000401")]
    )
    assert handled == ["CUIP0000000401"]
    assert [h["dlq.reason"] for h in dlq_headers(sessions)] == [b"source_quarantined"]
    assert outcome.by_source == Counter({("/agency/flood", "source_quarantined"): 1})
    assert processor.breaker.flooding() == set()
    assert len(rows(sessions, ProcessedMessage)) == 1


def test_source_labels_are_bounded() -> None:
    quarantine = Quarantine(catalogued=["/agency/ums"], label_limit=2)
    seen = [quarantine.label(f"/agency/a{i}") for i in range(4)]
    assert seen == ["/agency/a0", "/agency/a1", "other", "other"]
    assert quarantine.label("/agency/ums") == "/agency/ums"
    assert Quarantine().label("<script>") == "other"


def _with_source(headers, source: bytes) -> list[tuple[str, bytes]]:
    return [(k, source if k == "ce_source" else v) for k, v in headers]


def test_before_batch_sees_only_new_events_and_its_memo_survives_until_a_rollback(
    sessions,
) -> None:
    """The prefetch hook gets the batch's new events (not redeliveries); the memo it fills is
    what handlers see, until a failing handler's savepoint rolls back and empties it."""
    from convenio_chassis.consumer import batch_memo

    a, b, bad, c = (f"CUIP{x}000000001" for x in "ABXC")
    prefetched: list[list[str]] = []
    memo_seen: dict[str, bool] = {}

    def prefetch(session, events) -> None:
        prefetched.append([e.data.cuip for e in events])
        batch_memo(session)["loaded"] = True

    def handle(uow: UnitOfWork, event: CloudEvent) -> None:
        cuip = event.data.cuip  # type: ignore[attr-defined]
        memo_seen[cuip] = batch_memo(uow.session).get("loaded", False)
        if cuip == bad:
            raise RuntimeError("bug")
        uow.session.add(Registration(cuip=cuip))

    processor = BatchProcessor(
        "svc",
        "/tests",
        {RegisterOfficer.event_type: handle},
        sessions,
        DeadLetterBreaker(window=10, max_invalid_ratio=0.9, min_invalid=4),
        before_batch=prefetch,
    )
    first = register(a)
    processor.process([first])
    assert prefetched == [[a]]
    assert memo_seen == {a: True}

    prefetched.clear()
    memo_seen.clear()
    outcome = processor.process([first, register(b), register(bad), register(c)])
    # The optimistic pass, then the careful one after ``bad`` raised; ``a`` is a redelivery.
    assert prefetched == [[b, bad, c], [b, bad, c]]
    assert (outcome.duplicates, outcome.handled, len(outcome.dead_letters)) == (1, 2, 1)
    assert memo_seen == {b: True, bad: True, c: False}, "memo not emptied on rollback"
