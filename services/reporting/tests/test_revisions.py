"""Revisions: late and voided facts change past periods; the cell is republished with a higher
revision, only when its content changed; a cell that no longer counts anyone is withdrawn with
a tombstone (compaction then forgets it)."""

from __future__ import annotations

import datetime as dt
import json

from convenio_contracts.enrolment import (
    AttendanceRecorded,
    EnrolmentCreated,
    OfficerAssignmentChanged,
    OfficerRegistered,
    RecordVoided,
)
from convenio_contracts.reporting import IndicatorPublished

from .perturbed import published_count

D = dt.date
S, TOLUCA, METEPEC = "state:15", "municipality:15106", "municipality:15054"
FEED = "reporting.indicators.v1"


def officer(i: int, municipality: int = 15106, sex: str = "mujer") -> OfficerRegistered:
    return OfficerRegistered(
        officer_id=f"off_{i:032x}",
        sex=sex,
        corporation="Policía",
        level="municipal",
        municipality=municipality,
        profile="proximidad",
        rank="policía",
        hire_year=2015,
    )


def enrolment(i: int, day: dt.date) -> EnrolmentCreated:
    return EnrolmentCreated(
        enrolment_id=f"E{i}",
        officer_id=f"off_{i:032x}",
        offering_id="O1",
        course_id="C1",
        requested_by="academia",
        enrolled_on=day,
    )


def attendance(i: int, status: str, minutes: int, attendance_id: str | None = None):
    return AttendanceRecorded(
        attendance_id=attendance_id or f"A{i}",
        enrolment_id=f"E{i}",
        officer_id=f"off_{i:032x}",
        offering_id="O1",
        session_id="S1",
        session_type="teoria",
        session_date=D(2026, 3, 2),
        planned_minutes=240,
        status=status,
        minutes=minutes,
    )


def feed_records(rows) -> dict[str, dict | None]:
    return {
        r.key.decode(): (json.loads(r.value) if r.value else None) for r in rows if r.topic == FEED
    }


def test_a_late_fact_republishes_its_past_cells_with_the_next_revision(feed) -> None:
    feed.send(officer(1), officer(2), enrolment(1, D(2026, 1, 10)))
    key = f"training.enrolments:2026-01:{S}"
    assert (feed.cell(key).value, feed.cell(key).revision) == (1, 1)
    feed.take_outbox()
    feed.send(enrolment(2, D(2026, 1, 20)))  # late: January is long past
    assert (feed.cell(key).value, feed.cell(key).revision) == (2, 2)
    published = feed_records(feed.take_outbox())
    assert published[key]["revision"] == 2
    assert published[key]["value"] == 2
    assert published[f"training.enrolments:2026:{S}"]["revision"] == 2


def test_a_cell_whose_content_did_not_change_is_not_republished(feed) -> None:
    feed.send(officer(1), officer(2), enrolment(1, D(2026, 1, 10)))
    feed.take_outbox()
    feed.send(enrolment(2, D(2027, 5, 1)))  # another year entirely
    republished = feed_records(feed.take_outbox())
    assert not any(":2026" in key for key in republished)
    assert feed.cell(f"training.enrolments:2026-01:{S}").revision == 1


def test_a_redelivered_fact_changes_nothing(feed) -> None:
    first = feed.record(enrolment(1, D(2026, 1, 10)))
    feed.send(officer(1))
    feed.processor.process([first])
    feed.take_outbox()
    outcome = feed.processor.process([first])
    assert outcome.duplicates == 1
    assert feed.take_outbox() == []
    assert feed.value(f"training.enrolments:2026-01:{S}") == 1


def test_a_voided_attendance_and_its_correction_revise_the_rate(feed) -> None:
    feed.send(officer(1), officer(2), enrolment(1, D(2026, 3, 1)), enrolment(2, D(2026, 3, 1)))
    absent = feed.record(attendance(1, "absent", 0))
    feed.processor.process([absent, feed.record(attendance(2, "present", 240))])
    key = f"training.attendance_rate:2026-03:{S}"
    assert (feed.value(key), feed.cell(key).revision) == (0.5, 1)
    absent_id = dict(absent.headers)["ce_id"].decode()
    feed.send(
        RecordVoided(
            officer_id=f"off_{1:032x}",
            voided_event_id=absent_id,
            voided_event_type=AttendanceRecorded.event_type,
            voided_record_id="A1",
            reason="recorded against the wrong session",
        ),
        attendance(1, "present", 240, attendance_id="A1-fix"),
    )
    cell = feed.cell(key)
    assert (cell.value, cell.numerator, cell.denominator, cell.revision) == (1.0, 2, 2, 2)
    assert feed.value(f"training.hours_per_officer:2026-03:{S}") == 4.0


def test_a_cell_left_counting_nobody_is_withdrawn_with_a_tombstone(feed) -> None:
    feed.send(
        officer(1), officer(2, 15054), enrolment(1, D(2026, 3, 1)), enrolment(2, D(2026, 3, 1))
    )
    only = feed.record(attendance(2, "present", 240))
    feed.processor.process([feed.record(attendance(1, "present", 240)), only])
    key = f"training.attendance_rate:2026-03:{METEPEC}"
    assert feed.cell(key) is not None
    feed.take_outbox()
    feed.send(
        RecordVoided(
            officer_id=f"off_{2:032x}",
            voided_event_id=dict(only.headers)["ce_id"].decode(),
            voided_event_type=AttendanceRecorded.event_type,
            voided_record_id="A2",
            reason="duplicate",
        )
    )
    published = feed_records(feed.take_outbox())
    assert key in published
    assert published[key] is None  # a tombstone
    assert feed.cell(key) is None
    assert feed.value(f"training.attendance_rate:2026-03:{S}") == 1.0
    feed.send(attendance(2, "late", 200, attendance_id="A2-again"))
    assert feed.cell(key).revision == 3  # published, withdrawn, published again


def test_a_transfer_leaves_the_officer_s_past_in_the_old_municipality(feed) -> None:
    """ADR 0095: a transfer changes the periods from its date on; before it, the officer
    still counts where they served (it used to move their whole history)."""
    feed.send(officer(1), officer(2), enrolment(1, D(2026, 1, 10)), enrolment(2, D(2026, 1, 10)))
    state = f"training.enrolments:2026-01:{S}"
    assert feed.value(f"training.enrolments:2026-01:{TOLUCA}") == 2
    feed.take_outbox()
    feed.send(
        OfficerAssignmentChanged(
            officer_id=f"off_{2:032x}",
            status="activo",
            rank="policía",
            corporation="Metepec",
            level="municipal",
            municipality=15054,
            reason="transfer",
            effective_on=D(2026, 6, 1),
        )
    )
    assert feed.value(f"training.enrolments:2026-01:{TOLUCA}") == 2
    assert feed.cell(f"training.enrolments:2026-01:{METEPEC}") is None
    published = feed_records(feed.take_outbox())
    assert not [key for key in published if key.startswith("training.enrolments:2026")]
    assert feed.cell(state).revision == 1


def test_protected_cells_are_perturbed_and_withheld_without_any_figure(protected_feed) -> None:
    """Changed on purpose (ADR 0070): cells are perturbed by the cell-key method; a cell is
    withheld only when its perturbed count is 1..k-1, and then carries no figure and no time
    finer than its period."""
    feed = protected_feed
    officers = [officer(i, sex="mujer" if i < 4 else "hombre") for i in range(7)]
    feed.send(*officers, *(enrolment(i, D(2026, 1, 10)) for i in range(7)))
    published = feed_records(feed.take_outbox())
    ids = [officer(i).officer_id for i in range(7)]
    for sex, who in (("all", ids), ("mujer", ids[:4]), ("hombre", ids[4:])):
        suffix = "" if sex == "all" else f":sex:{sex}"
        cell = published[f"training.enrolments:2026-01:{TOLUCA}{suffix}"]
        expected = published_count(who, "enrolments")
        assert cell["value"] == expected
        assert cell["suppressed"] is (expected is None)
        if expected is None:
            assert (cell["numerator"], cell["denominator"]) == (None, None)
        assert cell["computed_at"].startswith("2026-01-01T00:00:00")
    for body in published.values():
        IndicatorPublished.model_validate(body)
        assert body["value"] not in (1, 2, 3, 4)


def test_no_feed_record_carries_an_officer_pseudonym(feed) -> None:
    feed.send(officer(1), enrolment(1, D(2026, 3, 1)), attendance(1, "present", 240))
    rows = feed.take_outbox()
    assert rows
    for row in rows:
        assert b"off_" not in (row.value or b"")
        assert b"off_" not in (row.key or b"")
