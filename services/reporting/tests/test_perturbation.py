"""The cell-key method's parts (ADR 0070): the ptable, record and cell keys, the minimum
publishable count and its floor, and what a protected figure carries."""

from __future__ import annotations

from collections import Counter

import pytest
from pydantic import ValidationError

from reporting.domain.cells import CellId, Tally
from reporting.domain.feed import figures
from reporting.domain.perturbation import (
    FLOOR,
    KEYS,
    MAX_NOISE,
    noise,
    perturb,
    possible,
    ptable_rows,
    record_key,
    salted,
)
from reporting.settings import ReportingSettings


def test_counts_of_one_and_two_are_never_published_as_themselves() -> None:
    shown = {perturb(v, key) for v in range(1, 3000) for key in range(KEYS)}
    assert not shown & {1, 2}


def test_the_noise_is_unbiased_and_bounded() -> None:
    for value in (3, 4, 5, 17, 749, 750, 751, 5000):
        row = [noise(value, key) for key in range(KEYS)]
        assert sum(row) == 0, value
        if value >= 5:
            assert max(map(abs, row)) == MAX_NOISE
    assert sum(perturb(1, key) for key in range(KEYS)) / KEYS == pytest.approx(1, abs=0.01)
    assert {noise(0, key) for key in range(KEYS)} == {0}


def test_values_above_750_reuse_the_rows_from_501() -> None:
    for key in range(KEYS):
        assert noise(751, key) == noise(501, key)
        assert noise(1000, key) == noise(750, key)


def test_the_ptable_has_ons_format_and_every_key() -> None:
    rows = list(ptable_rows())
    assert len(rows) == 750 * KEYS
    assert Counter(pcv for pcv, _, _ in rows) == dict.fromkeys(range(1, 751), KEYS)


def test_an_attacker_who_knows_the_ptable_learns_only_an_interval() -> None:
    for value in range(900):
        for key in range(0, KEYS, 7):
            assert value in possible(perturb(value, key))
    assert possible(0) == range(5)


def test_record_keys_are_uniform_and_stable() -> None:
    keys = [record_key(f"off_{i:032x}") for i in range(25_600)]
    assert keys[:3] == [record_key(f"off_{i:032x}") for i in range(3)]
    counts = Counter(keys)
    assert set(counts) == set(range(KEYS))
    assert max(counts.values()) < 160  # about 100 each


def _cell(n: int, measure: str = "enrolments") -> Tally:
    ids = [f"off_{i:032x}" for i in range(n)]
    return Tally(
        n, {measure: float(n)}, 1, {measure: sum(salted(record_key(i), measure) for i in ids)}
    )


def test_the_same_contributors_always_give_the_same_figure() -> None:
    cell = CellId("2026-01", "state:15")
    first = figures("enrolment", {cell: _cell(40)}, 5)
    again = figures("enrolment", {cell: _cell(40)}, 5)
    assert first == again
    assert first[0].value == perturb(40, _cell(40).keys["enrolments"])


def test_a_protected_figure_carries_its_period_start_and_never_a_small_count() -> None:
    cells = {CellId("2026-03", f"municipality:{15000 + n}"): _cell(n) for n in range(1, 40)}
    for figure in figures("enrolment", cells, 5):
        assert figure.as_of == 1772323200000000  # 2026-03-01T00:00:00Z
        assert figure.suppressed or figure.value == 0 or figure.value >= 5
        assert figure.methodology_version == "2.0"
    unprotected = figures("enrolment", cells, 5, protect=False)
    assert {f.methodology_version for f in unprotected} == {"2.0-unprotected"}


def test_the_minimum_publishable_count_has_a_floor() -> None:
    with pytest.raises(ValidationError):
        ReportingSettings(small_cell_k=FLOOR - 1)
    assert ReportingSettings(small_cell_k=FLOOR).projection().k == FLOOR
