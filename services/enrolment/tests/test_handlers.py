"""Officer, course, offering and enrolment intake through the real pipeline and database."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import select

from convenio_contracts.rejections import RejectionReason
from convenio_contracts.topics import ENROLMENT_INTAKE
from enrolment.adapters.tables import AssignmentChangeRow, OfferingSessionRow, OfficerRow
from enrolment.domain.refusals import RefusalReason
from enrolment.handlers import handlers


def test_every_intake_command_has_exactly_one_handler() -> None:
    assert sorted(handlers(0.8, 0.8)) == sorted(ENROLMENT_INTAKE.event_types)


def test_every_refusal_reason_is_a_contract_rejection_reason() -> None:
    assert {r.value for r in RefusalReason} <= {r.value for r in RejectionReason}


def test_registration_emits_a_fact_without_identity(process, cmd) -> None:
    [row] = process(cmd.officer(1))
    assert row.topic == "enrolment.officer.v1"
    body = row.value.decode()
    assert "CUIP0000000001" not in body
    assert "GOML850101HMCRRS09" not in body
    assert "Gómez" not in body
    assert row.key.decode().startswith("off_")


def test_the_same_registration_twice_maps_to_one_officer(process, cmd) -> None:
    process(cmd.officer(1))
    assert process(cmd.officer(1)) == []
    with process.sessions() as session:
        assert len(list(session.exec(select(OfficerRow)))) == 1


def test_a_conflicting_registration_is_rejected(process, cmd, summary) -> None:
    process(cmd.officer(1))
    rows = process(cmd.officer(1, municipality=15001))
    assert summary(rows) == ["intake.rejected:conflicting_registration"]
    assert rows[0].topic == "intake.rejections.v1"


def test_an_assignment_change_publishes_the_whole_new_assignment(
    process, cmd, summary, payload
) -> None:
    [registered] = process(cmd.officer(1))
    [row] = process(cmd.change(1, rank="suboficial", municipality=15001))
    assert summary([row]) == ["officer.assignment_changed"]
    assert payload(row) == {
        "officer_id": payload(registered)["officer_id"],
        "status": "activo",
        "rank": "suboficial",
        "corporation": "Policía de Toluca",
        "level": "municipal",
        "municipality": 15001,
        "reason": "oficio 123",
        "effective_on": "2026-01-15",
    }
    with process.sessions() as session:
        [history] = session.exec(select(AssignmentChangeRow))
        assert (history.rank, history.reason) == ("suboficial", "oficio 123")


def test_assignment_changes_resent_or_for_unknown_officers(process, cmd, summary) -> None:
    process(cmd.officer(1))
    assert summary(process(cmd.change(1, status="baja"))) == ["officer.assignment_changed"]
    assert process(cmd.change(1, status="baja")) == []
    assert summary(process(cmd.change(2, status="baja"))) == ["intake.rejected:unknown_officer"]
    assert summary(process(cmd.change(1))) == ["intake.rejected:invalid_request"]


def test_an_old_registration_resent_after_a_promotion_is_harmless(process, cmd) -> None:
    process(cmd.officer(1), cmd.change(1, rank="suboficial"))
    assert process(cmd.officer(1)) == []


def test_only_active_officers_enrol(process, cmd, summary) -> None:
    process(cmd.officer(1), cmd.officer(2), cmd.course(), cmd.offering(capacity=5))
    process(cmd.change(1, status="suspendido"), cmd.change(2, status="baja"))
    rows = process(cmd.enrol(1), cmd.enrol(2), cmd.change(1, status="activo"), cmd.enrol(1))
    assert summary(rows) == [
        "intake.rejected:inactive_officer",
        "intake.rejected:inactive_officer",
        "officer.assignment_changed",
        "enrolment.created",
    ]


def test_a_whole_enrolment_flow_with_every_refusal(process, cmd, summary) -> None:
    process(cmd.officer(1), cmd.officer(2), cmd.officer(3), cmd.course(), cmd.offering())
    rows = process(
        cmd.enrol(1),
        cmd.enrol(1),
        cmd.enrol(2),
        cmd.enrol(3),
        cmd.enrol(404),
        cmd.enrol(2, offering_id="OF-404"),
    )
    assert summary(rows) == [
        "enrolment.created",
        "intake.rejected:duplicate_enrolment",
        "enrolment.created",
        "intake.rejected:offering_full",
        "intake.rejected:unknown_officer",
        "intake.rejected:unknown_offering",
    ]


def test_a_withdrawal_gives_the_seat_back_once(process, cmd, summary, payload) -> None:
    process(cmd.officer(1), cmd.officer(2), cmd.officer(3), cmd.course(), cmd.offering())
    process(cmd.enrol(1), cmd.enrol(2))
    rows = process(cmd.withdraw(1), cmd.withdraw(1), cmd.withdraw(3), cmd.enrol(3), cmd.enrol(1))
    assert summary(rows) == [
        "enrolment.withdrawn",
        "intake.rejected:not_enrolled",
        "intake.rejected:not_enrolled",
        "enrolment.created",
        "intake.rejected:duplicate_enrolment",
    ]
    assert payload(rows[0])["reason"] == "cambio de adscripción"


def test_an_offering_of_an_unpublished_course_is_rejected(process, cmd, summary) -> None:
    assert summary(process(cmd.offering())) == ["intake.rejected:unknown_course"]


def test_a_course_version_cannot_be_redefined_but_a_new_version_can_be_published(
    process, cmd, summary
) -> None:
    process(cmd.course())
    assert process(cmd.course()) == []
    changed = cmd.course(planned_practice_hours=5)
    assert summary(process(changed)) == ["intake.rejected:conflicting_definition"]
    assert summary(process(cmd.course(version=2, planned_practice_hours=5))) == ["course.published"]


def test_an_offering_keeps_its_sessions_in_their_own_table(process, cmd, summary) -> None:
    assert summary(process(cmd.course(), cmd.offering())) == [
        "course.published",
        "offering.scheduled",
    ]
    with process.sessions() as session:
        rows = session.exec(select(OfferingSessionRow).order_by(OfferingSessionRow.date))
        assert [(r.session_id, r.session_type, r.planned_minutes) for r in rows] == [
            ("S1", "teoria", 240),
            ("S2", "teoria", 120),
            ("S3", "practica", 300),
            ("S4", "practica", 300),
            ("S5", "practica", 60),
        ]


def test_a_session_dated_outside_the_offering_refuses_the_whole_schedule(
    process, cmd, summary
) -> None:
    planned = cmd.offering()
    late = planned.sessions[-1].model_copy(update={"date": dt.date(2026, 4, 1)})
    schedule = planned.model_copy(update={"sessions": (*planned.sessions[:-1], late)})
    rows = process(cmd.course(), schedule, cmd.officer(1), cmd.enrol(1))
    assert summary(rows) == [
        "course.published",
        "intake.rejected:session_outside_offering",
        "officer.registered",
        "intake.rejected:unknown_offering",
    ]


def test_a_record_that_breaks_the_contract_is_dead_lettered_not_rejected(process, cmd, raw) -> None:
    broken = raw(cmd.officer(1))
    broken.value = broken.value.replace(b"GOML850101HMCRRS09", b"NOT-A-CURP")
    row, notice = process(broken)
    assert row.topic == "enrolment.enrolment.intake.v1.dlq"
    assert dict(row.header_list())["dlq.reason"] == b"contract_violation"
    assert notice.topic == "intake.rejections.v1"
    assert json.loads(notice.value)["reason"] == "contract_violation"
    assert b"NOT-A-CURP" not in notice.value
