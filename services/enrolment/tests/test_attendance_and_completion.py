"""Attendance, voiding and completion at close, through the real pipeline and database."""

from __future__ import annotations

import pytest
from sqlmodel import select

from enrolment.adapters.tables import AttendanceRow, EnrolmentRow

FULL = [("S1", 240), ("S2", 120), ("S3", 300), ("S4", 300), ("S5", 60)]


@pytest.fixture
def enrolled(process, cmd):
    """Officers 1 to 3 enrolled in OF-1 (five sessions), officer 4 registered only."""
    process(*(cmd.officer(i) for i in range(1, 5)), cmd.course(), cmd.offering(capacity=3))
    process(cmd.enrol(1), cmd.enrol(2), cmd.enrol(3))
    return process


def test_a_mark_becomes_a_fact_with_its_session(enrolled, cmd, summary, payload) -> None:
    [row] = enrolled(cmd.attend(1, "S3", "late", 250))
    assert summary([row]) == ["attendance.recorded"]
    assert row.topic == "enrolment.training.v1"
    fact = payload(row)
    assert fact["attendance_id"].startswith("att_")
    assert {k: fact[k] for k in ("session_type", "session_date", "planned_minutes")} == {
        "session_type": "practica",
        "session_date": "2026-03-04",
        "planned_minutes": 300,
    }
    assert (fact["status"], fact["minutes"]) == ("late", 250)


def test_attendance_refusals(enrolled, cmd, summary) -> None:
    enrolled(cmd.attend(1, "S1", "present", 240))
    rows = enrolled(
        cmd.attend(1, "S1", "present", 240),  # the same mark again: nothing
        cmd.attend(1, "S1", "absent", 0),
        cmd.attend(1, "S9", "present", 60),
        cmd.attend(4, "S1", "present", 240),
        cmd.attend(404, "S1", "present", 240),
        cmd.void(2, "S1"),
    )
    assert summary(rows) == [
        "intake.rejected:attendance_already_recorded",
        "intake.rejected:unknown_session",
        "intake.rejected:not_enrolled",
        "intake.rejected:unknown_officer",
        "intake.rejected:nothing_to_void",
    ]


def test_a_correction_voids_the_fact_then_records_anew(enrolled, cmd, summary, payload) -> None:
    [first] = enrolled(cmd.attend(1, "S1", "present", 240))
    rows = enrolled(cmd.void(1, "S1"), cmd.attend(1, "S1", "justified", 0), cmd.void(1, "S1"))
    assert summary(rows) == ["record.voided", "attendance.recorded", "record.voided"]
    voided = payload(rows[0])
    assert voided["voided_event_id"] == dict(first.header_list())["ce_id"].decode()
    assert voided["voided_record_id"] == payload(first)["attendance_id"]
    assert voided["voided_event_type"] == "mx.convenio.enrolment.attendance.recorded.v1"
    assert payload(rows[2])["voided_record_id"] == payload(rows[1])["attendance_id"]
    with enrolled.sessions() as session:
        kept = list(session.exec(select(AttendanceRow)))
        assert len(kept) == 2, "a voided record is kept, never deleted or edited"
        assert all(r.current_key is None and r.void_reason == "captura" for r in kept)


def test_a_withdrawn_officer_takes_no_more_marks(enrolled, cmd, summary) -> None:
    rows = enrolled(cmd.withdraw(3), cmd.attend(3, "S1", "present", 240))
    assert summary(rows) == ["enrolment.withdrawn", "intake.rejected:not_enrolled"]


def attend_all(cmd, i, statuses):
    return [
        cmd.attend(i, sid, status, minutes if status in ("present", "late") else 0)
        for (sid, minutes), status in zip(FULL, statuses, strict=True)
    ]


def test_closing_decides_every_active_enrolment(enrolled, cmd, summary, payload) -> None:
    enrolled(
        *attend_all(cmd, 1, ["present", "late", "present", "present", "present"]),
        # four of five attended, one of them justified: 4 of 6 theory hours, 6 of 11 practice
        *attend_all(cmd, 2, ["present", "justified", "present", "absent", "present"]),
        cmd.withdraw(3),
    )
    rows = enrolled(cmd.close())
    assert sorted(summary(rows)[:2]) == ["enrolment.completed", "enrolment.failed"]
    assert summary(rows)[2] == "offering.closed"
    by_officer = {payload(r)["officer_id"]: payload(r) for r in rows[:2]}
    one, two = sorted(by_officer.values(), key=lambda f: f["delivered_practice_hours"])
    assert (two["delivered_theory_hours"], two["delivered_practice_hours"]) == (6.0, 11.0)
    assert two["attendance_rate"] == 1.0
    assert (one["delivered_theory_hours"], one["delivered_practice_hours"]) == (4.0, 6.0)
    assert one["attendance_rate"] == 0.8
    assert one["reason"] == (
        "delivered 4 of 6 theory hours (67%) and 6 of 11 practice hours (55%); 80% of each required"
    )
    assert two["certificate_id"].startswith("cert_")
    for fact in (one, two):
        assert (fact["planned_theory_hours"], fact["planned_practice_hours"]) == (6, 11)
        assert (fact["course_version"], fact["training_type"]) == (1, "actualizacion")
        assert fact["decided_on"] == "2026-03-21"
    closed = payload(rows[-1])
    assert (closed["enrolled"], closed["completed"], closed["failed"]) == (2, 1, 1)


def test_below_the_threshold_fails_with_a_reason(enrolled, cmd, summary, payload) -> None:
    enrolled(*attend_all(cmd, 1, ["present", "absent", "present", "absent", "present"]))
    rows = enrolled(cmd.close())
    assert summary(rows) == ["enrolment.failed", "enrolment.failed", "enrolment.failed",
                             "offering.closed"]  # fmt: skip
    reasons = sorted(payload(r)["reason"] for r in rows[:3])
    assert reasons == [
        "attended 0 of 5 sessions (0%); 80% required",
        "attended 0 of 5 sessions (0%); 80% required",
        "attended 3 of 5 sessions (60%); 80% required",
    ]
    assert payload(rows[-1])["failed"] == 3


def test_the_threshold_is_a_setting(pipeline, cmd, summary) -> None:
    process = pipeline(completion_threshold=0.6, hours_threshold=0.5)  # 67 % and 55 % delivered
    process(cmd.officer(1), cmd.course(), cmd.offering())
    process(cmd.enrol(1))
    process(*attend_all(cmd, 1, ["present", "absent", "present", "absent", "present"]))
    assert summary(process(cmd.close())) == ["enrolment.completed", "offering.closed"]


def test_a_voided_mark_does_not_count_at_close(enrolled, cmd, payload) -> None:
    enrolled(*attend_all(cmd, 1, ["present"] * 5), cmd.void(1, "S5"), cmd.void(1, "S4"))
    [one] = [r for r in enrolled(cmd.close()) if payload(r).get("delivered_theory_hours")]
    assert (payload(one)["attendance_rate"], payload(one)["delivered_practice_hours"]) == (0.6, 5)


def test_a_closed_offering_takes_no_more_intake(enrolled, cmd, summary) -> None:
    enrolled(cmd.attend(1, "S1", "present", 240), cmd.close())
    rows = enrolled(
        cmd.close(),  # the same close again: nothing
        cmd.close(closed_on="2026-03-22"),
        cmd.attend(1, "S2", "present", 120),
        cmd.void(1, "S1"),
        cmd.withdraw(2),
        cmd.enrol(4),
        cmd.close(offering_id="OF-404"),
    )
    assert summary(rows) == ["intake.rejected:offering_closed"] * 5 + [
        "intake.rejected:unknown_offering"
    ]
    with enrolled.sessions() as session:
        statuses = sorted(r.status for r in session.exec(select(EnrolmentRow)))
        assert statuses == ["failed", "failed", "failed"]
