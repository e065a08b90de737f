"""Period-true populations (ADR 0095): an officer counts in a period under the assignment and
status they had in it. A transfer changes the periods from its date on and never rewrites a
past cell; an officer registered this year is not in last year's coverage; an officer on baja
still counts in the periods before the baja (no survivorship bias)."""

from __future__ import annotations

import datetime as dt

from convenio_contracts.enrolment import (
    EnrolmentCreated,
    OfficerAssignmentChanged,
    OfficerRegistered,
)
from convenio_contracts.evaluation import CupComponentStatusChanged

from .test_revisions import enrolment, feed_records

D = dt.date
S, TOLUCA, METEPEC = "state:15", "municipality:15106", "municipality:15054"


def oid(i: int) -> str:
    return f"off_{i:032x}"


def officer(i: int, municipality: int = 15106, on: dt.date | None = None) -> OfficerRegistered:
    return OfficerRegistered(
        officer_id=oid(i),
        sex="mujer",
        corporation="Policía",
        level="municipal",
        municipality=municipality,
        profile="proximidad",
        rank="policía",
        hire_year=2015,
        registered_on=on,
    )


def change(
    i: int, day: dt.date, municipality: int = 15106, status: str = "activo"
) -> OfficerAssignmentChanged:
    return OfficerAssignmentChanged(
        officer_id=oid(i),
        status=status,
        rank="policía",
        corporation="Policía",
        level="municipal",
        municipality=municipality,
        reason="transfer" if status == "activo" else "no aprobó C3",
        effective_on=day,
    )


def c3(i: int, value: str, day: dt.date) -> CupComponentStatusChanged:
    return CupComponentStatusChanged(
        officer_id=oid(i),
        component="C3",
        status=value,
        previous_status="sin_evaluacion",
        valid_from=day,
        valid_until=D(2028, 12, 31) if value == "aprobatoria_vigente" else None,
        changed_on=day,
        source="test",
    )


def test_a_transfer_leaves_the_past_cells_of_both_municipalities_as_they_were(feed) -> None:
    feed.send(
        officer(1),
        officer(2),
        officer(3, 15054),
        enrolment(1, D(2026, 1, 10)),
        enrolment(2, D(2026, 1, 10)),
        enrolment(3, D(2026, 1, 10)),
        c3(1, "aprobatoria_vigente", D(2026, 1, 5)),
        c3(2, "aprobatoria_vigente", D(2026, 1, 5)),
        c3(3, "aprobatoria_vigente", D(2026, 1, 5)),
        EnrolmentCreated(
            enrolment_id="E2-july",
            officer_id=oid(2),
            offering_id="O2",
            course_id="C1",
            requested_by="academia",
            enrolled_on=D(2026, 7, 10),
        ),
    )
    past = [
        f"{indicator}:{period}:{place}"
        for indicator in ("training.enrolments", "cup.coverage.c3")
        for period in ("2026-01", "2026-05")
        for place in (TOLUCA, METEPEC)
        if not (indicator == "training.enrolments" and period == "2026-05")
    ]
    before = {k: (feed.value(k), feed.cell(k).revision) for k in past}
    assert before[f"cup.coverage.c3:2026-05:{TOLUCA}"][0] == 1.0
    assert feed.cell(f"cup.coverage.c3:2026-06:{TOLUCA}").denominator == 2
    feed.take_outbox()

    feed.send(change(2, D(2026, 6, 1), municipality=15054))

    assert {k: (feed.value(k), feed.cell(k).revision) for k in past} == before
    republished = feed_records(feed.take_outbox())
    assert not [k for k in republished if k in past]
    assert not [k for k in republished if ":2026-01:" in k or ":2026-05:" in k]
    assert feed.cell(f"cup.coverage.c3:2026-06:{TOLUCA}").denominator == 1
    assert feed.cell(f"cup.coverage.c3:2026-06:{METEPEC}").denominator == 2
    assert feed.value(f"training.enrolments:2026-07:{METEPEC}") == 1
    assert feed.cell(f"training.enrolments:2026-07:{TOLUCA}") is None


def test_an_officer_registered_this_year_is_not_in_last_year_s_coverage(feed) -> None:
    feed.send(
        officer(1, on=D(2025, 1, 2)),
        officer(2, on=D(2026, 2, 1)),
        c3(1, "aprobatoria_vigente", D(2025, 3, 1)),
        c3(2, "aprobatoria_vigente", D(2026, 2, 3)),
    )
    last_year = feed.cell(f"cup.coverage.c3:2025-12:{S}")
    assert (last_year.numerator, last_year.denominator) == (1, 1)
    assert feed.cell(f"cup.coverage.c3:2026-01:{S}").denominator == 1
    this_year = feed.cell(f"cup.coverage.c3:2026-02:{S}")
    assert (this_year.numerator, this_year.denominator) == (2, 2)


def test_an_officer_on_baja_after_failing_c3_counts_in_the_periods_before(feed) -> None:
    feed.send(
        officer(1),
        officer(2),
        c3(1, "aprobatoria_vigente", D(2026, 1, 5)),
        c3(2, "vigente_no_aprobatoria", D(2026, 2, 10)),
        change(2, D(2026, 4, 15), status="baja"),
        c3(1, "aprobatoria_vigente", D(2026, 6, 1)),
    )
    march = feed.cell(f"cup.coverage.c3:2026-03:{S}")
    assert (march.numerator, march.denominator) == (1, 2)
    april = feed.cell(f"cup.coverage.c3:2026-04:{S}")
    assert (april.numerator, april.denominator) == (1, 1)


def test_the_assignment_in_force_is_the_latest_started_on_or_before_the_day() -> None:
    from reporting.domain.stock import Assignment, Officer

    person = Officer(
        oid(1),
        "mujer",
        7,
        (
            Assignment(D(2025, 2, 1), 15106, "municipal"),
            Assignment(D(2026, 6, 1), 15054, "municipal"),
            Assignment(D(2026, 9, 15), 15054, "municipal", "baja"),
        ),
    )
    assert person.on(D(2025, 1, 31)) is None  # not registered yet
    assert person.on(D(2026, 5, 31)).municipality == 15106
    assert person.on(D(2026, 6, 1)).municipality == 15054
    assert person.counted_on(D(2026, 8, 31)).municipality == 15054
    assert person.on(D(2026, 9, 30)).status == "baja"
    assert person.counted_on(D(2026, 9, 30)) is None
