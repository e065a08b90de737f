from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from enrolment.domain.model import (
    Offering,
    Officer,
    OfficerData,
    OfficerStatus,
    RefusalReason,
    Refused,
    check_enrolment,
    register,
)

DATA = OfficerData(
    cuip="CUIP0000000001",
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
OFFERING = Offering(
    "OF-1", "C-1", capacity=2, starts_on=dt.date(2026, 3, 2), ends_on=dt.date(2026, 3, 20)
)


def test_a_new_cuip_gets_a_random_pseudonym_not_derived_from_it() -> None:
    first, second = register(None, DATA), register(None, DATA)
    assert first is not None
    assert second is not None
    assert re.fullmatch(r"off_[0-9a-f]{32}", first.officer_id)
    assert first.officer_id != second.officer_id
    assert DATA.cuip not in first.officer_id


def test_registering_the_same_data_again_is_not_an_error() -> None:
    existing = Officer("off_" + "a" * 32, DATA)
    assert register(existing, DATA) is None


def test_registering_conflicting_data_is_refused_naming_the_fields() -> None:
    existing = Officer("off_" + "a" * 32, DATA)
    with pytest.raises(Refused, match="municipality, rank") as refused:
        register(existing, replace(DATA, municipality=15001, rank="suboficial"))
    assert refused.value.reason is RefusalReason.CONFLICTING_REGISTRATION


ACTIVE = Officer("off_" + "a" * 32, DATA)


@pytest.mark.parametrize(
    ("officer", "offering", "enrolled", "already", "reason"),
    [
        (None, OFFERING, 0, False, RefusalReason.UNKNOWN_OFFICER),
        (ACTIVE, None, 0, False, RefusalReason.UNKNOWN_OFFERING),
        (
            replace(ACTIVE, status=OfficerStatus.BAJA),
            OFFERING,
            0,
            False,
            RefusalReason.INACTIVE_OFFICER,
        ),
        (
            replace(ACTIVE, status=OfficerStatus.SUSPENDIDO),
            OFFERING,
            0,
            False,
            RefusalReason.INACTIVE_OFFICER,
        ),
        (ACTIVE, OFFERING, 1, True, RefusalReason.DUPLICATE_ENROLMENT),
        (ACTIVE, OFFERING, 2, False, RefusalReason.OFFERING_FULL),
        (ACTIVE, OFFERING, 3, False, RefusalReason.OFFERING_FULL),
    ],
)
def test_enrolment_refusals(officer, offering, enrolled, already, reason) -> None:
    with pytest.raises(Refused) as refused:
        check_enrolment(officer, offering, enrolled, already)
    assert refused.value.reason is reason


def test_the_last_seat_can_be_taken() -> None:
    assert check_enrolment(ACTIVE, OFFERING, enrolled=1, already_enrolled=False) == (
        ACTIVE,
        OFFERING,
    )
