"""An officer's ``officer_id`` is drawn at random when UMS first registers the officer: it is
not a function of the CUIP (no hash, no keyed hash), so nobody can recompute or reverse it
without the enrolment service's own table."""

from __future__ import annotations

import re

from enrolment.domain.officers import OfficerData, register

OFFICER = OfficerData(
    cuip="CUIPTEST00000001", curp="GAMA900101MMCRRS01", full_name="Ana García",
    sex="mujer", corporation="Policía Municipal", level="municipal", municipality=15106,
    profile="proximidad", rank="policía", hire_year=2018,
)  # fmt: skip


def _first_registration() -> str:
    officer = register(None, OFFICER)
    assert officer is not None
    return officer.officer_id


def test_the_same_cuip_registered_afresh_gets_a_different_pseudonym() -> None:
    ids = {_first_registration() for _ in range(200)}
    assert len(ids) == 200


def test_a_pseudonym_carries_128_random_bits_and_nothing_of_the_identity() -> None:
    officer_id = _first_registration()
    assert re.fullmatch(r"off_[0-9a-f]{32}", officer_id)
    for part in ("CUIPTEST", "00000001", "GAMA90", "Garc"):
        assert part.lower() not in officer_id.lower()


def test_an_equal_re_registration_keeps_the_stored_pseudonym() -> None:
    """The mapping is stored once and reused; a replay does not mint a second pseudonym."""
    stored = register(None, OFFICER)
    assert stored is not None
    assert register(stored, OFFICER) is None
