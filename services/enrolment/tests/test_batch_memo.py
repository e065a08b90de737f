"""The batch prefetch and memo (ADR 0050): commands in one batch see each other's effects
exactly as they would one batch apart, and as they do with no memo at all."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlmodel import select

from convenio_chassis.consumer import batch_memo
from convenio_chassis.migrations import CHASSIS_TABLES
from convenio_chassis.notices import NOTICE_TYPES
from convenio_contracts import Event
from convenio_contracts.enrolment import RecordAttendance, VoidAttendance
from enrolment.adapters import memo as keys
from enrolment.adapters.prefetch import Wants, prefetch
from enrolment.adapters.tables import (
    TABLES,
    AssignmentChangeRow,
    AttendanceRow,
    EnrolmentRow,
    OfferingRow,
    OfficerRow,
)
from enrolment.handlers import handlers

_IDS = re.compile(
    r"\b(?:(?:off|enr|att|cert)_[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f-]{22})\b"
)


def setup(cmd: Any) -> list[Event]:
    return [
        cmd.course(),
        cmd.offering(capacity=2),
        cmd.offering(capacity=3, offering_id="OF-2"),
        cmd.officer(9),
        cmd.enrol(9),
        cmd.attend(9, "S1", "present", 240),
        cmd.officer(8),
        cmd.enrol(8, "OF-2"),
        cmd.attend(8, "S1", "present", 240).model_copy(update={"offering_id": "OF-2"}),
    ]


def story(cmd: Any) -> list[Event]:
    """Every kind of command, each seeing what the ones before it did."""

    def attend(i: int, offering_id: str, session_id: str, *mark: Any) -> RecordAttendance:
        return cmd.attend(i, session_id, *mark).model_copy(update={"offering_id": offering_id})

    def void(i: int, offering_id: str, session_id: str) -> VoidAttendance:
        return cmd.void(i, session_id).model_copy(update={"offering_id": offering_id})

    return [
        cmd.officer(1),
        cmd.enrol(1),
        cmd.attend(1, "S1", "present", 240),
        cmd.void(1, "S1"),
        cmd.attend(1, "S1", "late", 200),
        cmd.attend(1, "S1", "late", 200),  # the same mark again: nothing
        cmd.attend(1, "S1", "absent", 0),  # already recorded
        cmd.void(1, "S2"),  # nothing to void
        cmd.officer(2),
        cmd.enrol(2),  # full: officers 9 and 1
        cmd.withdraw(9),
        cmd.enrol(2),  # the seat officer 9 gave back
        cmd.enrol(2),  # duplicate
        cmd.attend(9, "S2", "present", 120),  # withdrawn
        cmd.void(9, "S1"),
        cmd.attend(9, "S1", "absent", 0),
        *(cmd.attend(1, s, "present", m) for s, m in [("S2", 120), ("S3", 300), ("S4", 300)]),
        cmd.attend(2, "S1", "present", 240),
        cmd.change(2, status="baja"),
        cmd.enrol(2, "OF-2"),  # inactive
        cmd.enrol(1, "OF-2"),
        attend(1, "OF-2", "S1", "present", 240),
        cmd.close(),  # decides on this batch's marks
        cmd.attend(1, "S5", "present", 60),  # closed
        attend(1, "OF-2", "S2", "present", 120),
        void(1, "OF-2", "S1"),  # a mark already written by the close
        attend(1, "OF-2", "S1", "justified", 0),
        void(1, "OF-2", "S2"),
        void(8, "OF-2", "S1"),  # a record stored before the batch
        attend(8, "OF-2", "S1", "late", 200),  # takes the current key the void freed
        cmd.officer(1),  # the same registration: nothing
        cmd.attend(404, "S1"),
        attend(1, "OF-2", "S9"),
        attend(1, "OF-404", "S1"),
        cmd.offering(capacity=1, offering_id="OF-3"),
        cmd.enrol(1, "OF-3"),
        cmd.enrol(2, "OF-3"),  # inactive, and full anyway
        attend(1, "OF-3", "S3", "late", 250),
        void(1, "OF-3", "S3"),
        attend(1, "OF-3", "S3", "present", 300),
    ]


def _reset(process: Any) -> None:
    with process.sessions() as session:
        for table in (*CHASSIS_TABLES, *TABLES):
            session.execute(table.__table__.delete())
        session.commit()


def _outcome(process: Any, cmd: Any, batches: list[list[Event]]) -> tuple[list[str], list[Any]]:
    """Facts and state after the setup and then ``batches``, random ids numbered in order of
    appearance; dead letters and their publisher's notices left out."""
    _reset(process)
    process(*setup(cmd))
    rows = [
        r
        for batch in batches
        for r in process(*batch)
        if not r.topic.endswith(".dlq") and r.event_type not in NOTICE_TYPES
    ]
    ids: dict[str, str] = {}

    def norm(value: Any) -> str:
        return _IDS.sub(lambda m: ids.setdefault(m.group(), f"#{len(ids)}"), str(value))

    told = []
    for row in rows:
        headers = dict(row.header_list())
        norm(headers["ce_id"].decode())
        fact = json.loads(row.value or b"")
        told.append(f"{headers['ce_type'].decode()} {norm(row.key)} {norm(fact)}")
    with process.sessions() as session:
        state = [
            sorted(norm(r.model_dump(exclude={"id"})) for r in session.exec(select(table)))
            for table in (OfficerRow, AssignmentChangeRow, OfferingRow, EnrolmentRow, AttendanceRow)
        ]
    return told, state


def _one_a_batch(commands: list[Event]) -> list[list[Event]]:
    return [[c] for c in commands]


@pytest.fixture
def reference(pipeline, cmd) -> tuple[list[str], list[Any]]:
    """The story one command a batch, every lookup a query: as it was before the memo."""
    return _outcome(pipeline(prefetch=False), cmd, _one_a_batch(story(cmd)))


def test_the_story_in_one_batch_equals_it_one_command_a_batch(pipeline, cmd, reference) -> None:
    told, _ = reference
    assert sum(".enrolment.completed." in t for t in told) == 1
    assert sum(".enrolment.failed." in t for t in told) == 1
    assert sum(".intake.rejected." in t for t in told) == 12
    assert _outcome(pipeline(), cmd, [story(cmd)]) == reference
    assert _outcome(pipeline(), cmd, _one_a_batch(story(cmd))) == reference
    assert _outcome(pipeline(prefetch=False), cmd, [story(cmd)]) == reference


@pytest.mark.parametrize("cut", [3, 10, 23, 26, 33])
def test_the_story_split_anywhere_gives_the_same_outcome(pipeline, cmd, reference, cut) -> None:
    commands = story(cmd)
    assert _outcome(pipeline(), cmd, [commands[:cut], commands[cut:]]) == reference


def test_a_mark_for_an_officer_registered_in_the_same_batch(process, cmd, summary) -> None:
    process(cmd.course(), cmd.offering())
    rows = process(cmd.officer(1), cmd.enrol(1), cmd.attend(1, "S2", "present", 120))
    assert summary(rows) == ["officer.registered", "enrolment.created", "attendance.recorded"]
    with process.sessions() as session:
        [row] = session.exec(select(AttendanceRow))
        assert (row.session_id, row.minutes, row.status) == ("S2", 120, "present")
        assert row.current_key is not None
        assert row.fact_event_id == dict(rows[2].header_list())["ce_id"].decode()


def _explode_on(minutes: int, process: Any) -> None:
    """Attendance with these minutes makes the handler raise after it has done its writes."""
    record = handlers(0.8, 0.8)[RecordAttendance.event_type]

    def handler(uow: Any, event: Any) -> None:
        record(uow, event)
        if event.data.minutes == minutes:
            raise RuntimeError("a bug after the writes")

    process.processor.handlers[RecordAttendance.event_type] = handler


def test_a_handler_raising_mid_batch_leaves_the_rest_of_the_batch_right(pipeline, cmd) -> None:
    commands = [
        cmd.officer(1),
        cmd.enrol(1),
        cmd.attend(1, "S1", "present", 240),
        cmd.attend(1, "S2", "late", 13),  # raises: dead-lettered, its record undone
        cmd.attend(1, "S2", "present", 120),  # so this is recorded, not refused
        cmd.void(1, "S1"),
        cmd.attend(1, "S1", "late", 200),
        cmd.attend(1, "S2", "present", 120),  # the same again: nothing
        cmd.officer(2),
        cmd.enrol(2),
        cmd.attend(2, "S1", "late", 13),  # raises
        cmd.attend(2, "S3", "present", 300),
        cmd.void(2, "S3"),
    ]
    good = [c for c in commands if getattr(c, "minutes", None) != 13]
    expected = _outcome(pipeline(prefetch=False), cmd, _one_a_batch(good))
    careful = pipeline()
    _explode_on(13, careful)
    assert _outcome(careful, cmd, [commands]) == expected
    rows = careful(*(cmd.attend(i, "S4", "late", 13) for i in (1, 2)))
    dead_letter, notice = "enrolment.enrolment.intake.v1.dlq", "intake.rejections.v1"
    assert [r.topic for r in rows] == [dead_letter, notice] * 2
    assert {r.event_type for r in rows if r.topic == notice} == {
        "mx.convenio.enrolment.intake.dead_lettered.v1"
    }


def test_seats_counted_in_the_batch_never_exceed_capacity(process, cmd, summary) -> None:
    process(cmd.course(), cmd.offering(capacity=2), *(cmd.officer(i) for i in range(1, 6)))
    rows = process(
        cmd.enrol(1), cmd.enrol(2), cmd.enrol(3), cmd.withdraw(1), cmd.enrol(3), cmd.enrol(4)
    )
    assert summary(rows) == [
        "enrolment.created",
        "enrolment.created",
        "intake.rejected:offering_full",
        "enrolment.withdrawn",
        "enrolment.created",
        "intake.rejected:offering_full",
    ]
    rows = process(cmd.enrol(5), cmd.withdraw(2), cmd.enrol(5))
    assert summary(rows) == [
        "intake.rejected:offering_full",
        "enrolment.withdrawn",
        "enrolment.created",
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # SQLite locks it all
def test_the_prefetch_locks_the_batchs_offerings(database, process, cmd) -> None:
    """On PostgreSQL, no other transaction can take an offering the batch names."""
    url, sessions = database
    assert url.startswith("postgresql")
    process(cmd.course(), cmd.offering(), cmd.offering(offering_id="OF-2"))
    lock = "SELECT 1 FROM offering WHERE offering_id = :o FOR UPDATE NOWAIT"
    with sessions() as batch, batch.begin():
        prefetch(batch, Wants(offerings={"OF-1"}))
        with sessions() as other, other.begin():
            other.execute(text(lock), {"o": "OF-2"})
            with pytest.raises(OperationalError):
                other.execute(text(lock), {"o": "OF-1"})


def test_the_prefetch_records_what_is_absent(process, cmd) -> None:
    process(cmd.course(), cmd.offering(), cmd.officer(1), cmd.enrol(1))
    wants = Wants(
        cuips={cmd.cuip(1), cmd.cuip(2)},
        offerings={"OF-1", "OF-9"},
        enrolments={(cmd.cuip(1), "OF-1"), (cmd.cuip(2), "OF-1")},
        sessions={(cmd.cuip(1), "OF-1", "S1"), (cmd.cuip(1), "OF-1", "S9")},
    )
    with process.sessions() as session, session.begin():
        prefetch(session, wants)
        memo = batch_memo(session)
        officer = memo[keys.officer(cmd.cuip(1))]
        assert memo[keys.officer(cmd.cuip(2))] is None
        assert memo[keys.offering("OF-1")].capacity == 2
        assert memo[keys.offering("OF-9")] is None
        assert memo[keys.planned_session("OF-1", "S1")].planned_minutes == 240
        assert memo[keys.planned_session("OF-1", "S9")] is None
        enrolment = memo[keys.enrolment(officer.officer_id, "OF-1")]
        for session_id in ("S1", "S9"):
            assert memo[keys.attendance(f"{enrolment.enrolment_id}:{session_id}")] is None
        assert keys.enrolment(officer.officer_id, "OF-9") not in memo, "not asked for"
