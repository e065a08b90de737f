"""Officer rules: pseudonyms, re-registration, assignment changes."""

from __future__ import annotations

import datetime as dt
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


# --- CURP uniqueness and the registration date (issue 16) --------------------------------------


def test_a_curp_registered_under_another_cuip_is_refused_without_naming_either() -> None:
    with pytest.raises(Refused, match="CURP is already registered") as refused:
        register(None, DATA, curp_held_by="CUIP0000000002")
    assert refused.value.reason is RefusalReason.CONFLICTING_REGISTRATION
    assert DATA.curp not in refused.value.message
    assert "CUIP0000000002" not in refused.value.message


def test_the_same_officer_may_register_again_with_their_own_curp() -> None:
    assert register(OFFICER, DATA, curp_held_by=DATA.cuip) is None
    assert register(None, DATA, curp_held_by=None) is not None


def test_a_registration_carries_its_date_and_a_resend_without_it_is_harmless() -> None:
    dated = replace(DATA, registered_on=dt.date(2019, 3, 1))
    officer = register(None, dated)
    assert officer is not None
    assert officer.data.registered_on == dt.date(2019, 3, 1)
    assert register(replace(OFFICER, data=dated), DATA) is None  # the date left out: the same
    with pytest.raises(Refused, match="registered_on"):
        register(replace(OFFICER, data=dated), replace(DATA, registered_on=dt.date(2020, 1, 1)))


def test_the_handler_refuses_a_second_registration_of_one_curp(process, cmd, summary) -> None:
    process(cmd.officer(1))
    rows = process(
        cmd.officer(2, curp=cmd.curp(1)), cmd.officer(3), cmd.officer(4, curp=cmd.curp(3))
    )
    assert summary(rows) == [
        "intake.rejected:conflicting_registration",
        "officer.registered",
        "intake.rejected:conflicting_registration",  # one batch: the registration before counts
    ]


def test_the_registration_date_travels_on_the_fact(process, cmd, payload) -> None:
    [row] = process(cmd.officer(1, registered_on="2019-03-01"))
    assert payload(row)["registered_on"] == "2019-03-01"
