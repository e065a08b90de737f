"""Who may take a seat in an offering, and who may give it back."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from enrolment.domain.enrolments import (
    Enrolment,
    EnrolmentStatus,
    check_enrolment,
    check_withdrawal,
)
from enrolment.domain.offerings import Offering
from enrolment.domain.officers import Officer, OfficerData, OfficerStatus, initial_assignment
from enrolment.domain.refusals import RefusalReason, Refused

DATA = OfficerData(
    "CUIP0000000001", "GOML850101HMCRRS09", "Luis Gómez", "hombre", "Policía de Toluca",
    "municipal", 15106, "proximidad", "policía", 2019,
)  # fmt: skip
ACTIVE = Officer("off_" + "a" * 32, DATA, initial_assignment(DATA))
OFFERING = Offering("OF-1", "C-1", 1, 2, dt.date(2026, 3, 2), dt.date(2026, 3, 20))
CLOSED = replace(OFFERING, closed_on=dt.date(2026, 3, 21))


def with_status(status: OfficerStatus) -> Officer:
    return replace(ACTIVE, assignment=replace(ACTIVE.assignment, status=status))


def enrolment(status: EnrolmentStatus) -> Enrolment:
    return Enrolment("enr_1", ACTIVE.officer_id, "OF-1", status)


ENROLLED, WITHDRAWN = enrolment(EnrolmentStatus.ACTIVE), enrolment(EnrolmentStatus.WITHDRAWN)


@pytest.mark.parametrize(
    ("officer", "offering", "seats_taken", "existing", "reason"),
    [
        (None, OFFERING, 0, None, RefusalReason.UNKNOWN_OFFICER),
        (ACTIVE, None, 0, None, RefusalReason.UNKNOWN_OFFERING),
        (ACTIVE, CLOSED, 0, None, RefusalReason.OFFERING_CLOSED),
        (with_status(OfficerStatus.BAJA), OFFERING, 0, None, RefusalReason.INACTIVE_OFFICER),
        (with_status(OfficerStatus.SUSPENDIDO), OFFERING, 0, None, RefusalReason.INACTIVE_OFFICER),
        (ACTIVE, OFFERING, 1, ENROLLED, RefusalReason.DUPLICATE_ENROLMENT),
        (ACTIVE, OFFERING, 1, WITHDRAWN, RefusalReason.DUPLICATE_ENROLMENT),
        (ACTIVE, OFFERING, 2, None, RefusalReason.OFFERING_FULL),
        (ACTIVE, OFFERING, 3, None, RefusalReason.OFFERING_FULL),
    ],
)  # fmt: skip
def test_enrolment_refusals(officer, offering, seats_taken, existing, reason) -> None:
    with pytest.raises(Refused) as refused:
        check_enrolment(officer, offering, seats_taken, existing)
    assert refused.value.reason is reason


def test_the_last_seat_can_be_taken() -> None:
    assert check_enrolment(ACTIVE, OFFERING, seats_taken=1, existing=None) == (ACTIVE, OFFERING)


@pytest.mark.parametrize(
    ("officer", "offering", "existing", "reason"),
    [
        (None, OFFERING, None, RefusalReason.UNKNOWN_OFFICER),
        (ACTIVE, None, None, RefusalReason.UNKNOWN_OFFERING),
        (ACTIVE, CLOSED, enrolment(EnrolmentStatus.ACTIVE), RefusalReason.OFFERING_CLOSED),
        (ACTIVE, OFFERING, None, RefusalReason.NOT_ENROLLED),
        (ACTIVE, OFFERING, enrolment(EnrolmentStatus.WITHDRAWN), RefusalReason.NOT_ENROLLED),
    ],
)
def test_withdrawal_refusals(officer, offering, existing, reason) -> None:
    with pytest.raises(Refused) as refused:
        check_withdrawal(officer, offering, existing)
    assert refused.value.reason is reason


def test_an_inactive_officer_can_still_withdraw() -> None:
    active = enrolment(EnrolmentStatus.ACTIVE)
    assert check_withdrawal(with_status(OfficerStatus.BAJA), OFFERING, active) == active
