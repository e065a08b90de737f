"""Officer rules: pseudonyms, re-registration, assignment changes."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from enrolment.domain.officers import (
    Assignment,
    AssignmentChange,
    Officer,
    OfficerData,
    OfficerStatus,
    change_assignment,
    initial_assignment,
    register,
)
from enrolment.domain.refusals import RefusalReason, Refused

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
OFFICER = Officer("off_" + "a" * 32, DATA, initial_assignment(DATA))


def test_a_new_cuip_gets_a_random_pseudonym_not_derived_from_it() -> None:
    first, second = register(None, DATA), register(None, DATA)
    assert first is not None
    assert second is not None
    assert re.fullmatch(r"off_[0-9a-f]{32}", first.officer_id)
    assert first.officer_id != second.officer_id
    assert DATA.cuip not in first.officer_id


def test_a_new_officer_is_active_where_registered() -> None:
    officer = register(None, DATA)
    assert officer is not None
    assert officer.assignment == Assignment(
        OfficerStatus.ACTIVO, "policía", "Policía de Toluca", "municipal", 15106
    )


def test_registering_the_same_data_again_is_not_an_error() -> None:
    assert register(OFFICER, DATA) is None


def test_registering_conflicting_data_is_refused_naming_the_fields_not_the_values() -> None:
    with pytest.raises(Refused, match="municipality, rank") as refused:
        register(OFFICER, replace(DATA, municipality=15001, rank="suboficial"))
    assert refused.value.reason is RefusalReason.CONFLICTING_REGISTRATION
    assert "15001" not in refused.value.message


def test_re_registration_compares_with_the_registration_not_the_current_assignment() -> None:
    promoted = replace(OFFICER, assignment=replace(OFFICER.assignment, rank="suboficial"))
    assert register(promoted, DATA) is None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            AssignmentChange(status=OfficerStatus.BAJA),
            replace(OFFICER.assignment, status=OfficerStatus.BAJA),
        ),
        (AssignmentChange(rank="suboficial"), replace(OFFICER.assignment, rank="suboficial")),
        (
            AssignmentChange(corporation="Policía Estatal", level="estatal", municipality=15001),
            replace(
                OFFICER.assignment,
                corporation="Policía Estatal",
                level="estatal",
                municipality=15001,
            ),
        ),
        (AssignmentChange(rank="policía"), None),  # already so: a re-sent change does nothing
    ],
)
def test_an_assignment_change_replaces_only_the_fields_it_names(change, expected) -> None:
    assert change_assignment(OFFICER, change) == expected


@pytest.mark.parametrize(
    ("officer", "change", "reason"),
    [
        (None, AssignmentChange(rank="x"), RefusalReason.UNKNOWN_OFFICER),
        (OFFICER, AssignmentChange(), RefusalReason.INVALID_REQUEST),
    ],
)
def test_assignment_change_refusals(officer, change, reason) -> None:
    with pytest.raises(Refused) as refused:
        change_assignment(officer, change)
    assert refused.value.reason is reason
