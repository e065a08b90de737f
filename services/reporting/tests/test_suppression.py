"""Small-cell suppression: primary (fewer than k officers), complementary (no withheld cell
can be recovered from its row's total and the other cells), checked by an attacker."""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest

from reporting.domain.cells import STATE, CellId, Grain, Shape, Tally, roll_up
from reporting.domain.suppression import PeriodRelation, constraints, recoverable, suppress

M1, M2, M3 = "municipality:15106", "municipality:15054", "municipality:15033"


def counts(table: Mapping[CellId, Tally]) -> dict[CellId, int]:
    return {c: t.officers for c, t in table.items()}


def grains(rows: list[tuple[str, int, str, str, int]]) -> list[Grain]:
    """(period, municipality, level, sex, officers): one officer counts once."""
    return [Grain(p, Tally(n, {"n": float(n)}), m, lv, s) for p, m, lv, s, n in rows]


def differencing_attack(values: Mapping[CellId, int], withheld: set[CellId]) -> dict[CellId, int]:
    """What subtracting published cells from a published total recovers, written apart from
    the production code: sexes from their total, municipalities from the state, levels from
    the state, months from their quarter and quarters from the year."""

    def sums() -> list[tuple[CellId, list[CellId]]]:
        out: list[tuple[CellId, list[CellId]]] = []
        cells = set(values)
        for c in cells:
            if c.breakdown == "all":
                parts = [
                    p
                    for p in cells
                    if (p.period, p.geography, p.level) == (c.period, c.geography, c.level)
                    and p.breakdown.startswith("sex:")
                ]
                out.append((c, parts))
            if c.geography == STATE and c.level == "all":
                out.append(
                    (
                        c,
                        [
                            p
                            for p in cells
                            if p.geography != STATE
                            and (p.period, p.breakdown) == (c.period, c.breakdown)
                        ],
                    )
                )
                out.append(
                    (
                        c,
                        [
                            p
                            for p in cells
                            if p.geography == STATE
                            and p.level != "all"
                            and (p.period, p.breakdown) == (c.period, c.breakdown)
                        ],
                    )
                )
            if "-Q" in c.period:
                year, q = c.period.split("-Q")
                months = {f"{year}-{m:02d}" for m in range(3 * int(q) - 2, 3 * int(q) + 1)}
                out.append(
                    (
                        c,
                        [
                            p
                            for p in cells
                            if p.period in months
                            and (p.geography, p.level, p.breakdown)
                            == (c.geography, c.level, c.breakdown)
                        ],
                    )
                )
        return [(t, parts) for t, parts in out if parts]

    found: dict[CellId, int] = {}
    for total, parts in sums():
        unknown = [c for c in (total, *parts) if c in withheld and c not in found]
        if len(unknown) != 1:
            continue
        known = lambda c: found.get(c, values[c])  # noqa: E731
        target = unknown[0]
        if target == total:
            found[target] = sum(known(p) for p in parts)
        else:
            found[target] = known(total) - sum(known(p) for p in parts if p != target)
    return found


@pytest.mark.parametrize(
    ("officers", "k", "withheld"),
    [(4, 5, True), (5, 5, False), (1, 1, False), (0, 1, True), (2, 3, True), (30, 5, False)],
)
def test_a_cell_counting_fewer_than_k_officers_is_withheld(officers, k, withheld) -> None:
    cell = CellId("2026-03", STATE)
    assert (cell in suppress({cell: officers}, [], k)) is withheld


def test_a_lone_small_sex_cell_takes_its_sibling_with_it_but_not_the_total() -> None:
    table = roll_up(
        grains(
            [
                ("2026-03", 15106, "municipal", "mujer", 3),
                ("2026-03", 15106, "municipal", "hombre", 9),
            ]
        ),
        Shape(by_level=False),
    )
    sums = constraints(table, PeriodRelation.NONE, True)
    withheld = suppress(counts(table), sums, 5)
    assert CellId("2026-03", M1, "all", "sex:mujer") in withheld
    assert CellId("2026-03", M1, "all", "sex:hombre") in withheld  # complementary
    assert CellId("2026-03", M1) not in withheld
    assert CellId("2026-03", STATE) not in withheld
    values = counts(table)
    assert differencing_attack(values, withheld) == {}
    assert recoverable(values, sums, withheld) == {}


def test_the_next_smallest_municipality_is_withheld_so_the_state_total_tells_nothing() -> None:
    table = roll_up(
        grains(
            [
                ("2026-03", 15106, "municipal", "mujer", 40),
                ("2026-03", 15054, "municipal", "mujer", 7),
                ("2026-03", 15033, "municipal", "mujer", 2),
            ]
        ),
        Shape(by_level=False, by_sex=False),
    )
    sums = constraints(table, PeriodRelation.NONE, True)
    withheld = suppress(counts(table), sums, 5)
    assert withheld == {CellId("2026-03", M3), CellId("2026-03", M2)}  # 7 < 40: next-smallest
    assert differencing_attack(counts(table), withheld) == {}


def test_without_complementary_suppression_the_attack_would_succeed() -> None:
    """The attacker is not a straw man: on primary suppression alone it recovers the cell."""
    table = roll_up(
        grains(
            [
                ("2026-03", 15106, "municipal", "mujer", 40),
                ("2026-03", 15033, "municipal", "mujer", 2),
            ]
        ),
        Shape(by_level=False, by_sex=False),
    )
    primary_only = suppress(counts(table), [], 5)
    assert differencing_attack(counts(table), primary_only) == {CellId("2026-03", M3): 2}
    sums = constraints(table, PeriodRelation.NONE, True)
    assert recoverable(counts(table), sums, primary_only) == {CellId("2026-03", M3): 2}


def test_a_small_month_cannot_be_recovered_from_its_quarter() -> None:
    rows = [
        ("2026-01", 15106, "municipal", "mujer", 9),
        ("2026-02", 15106, "municipal", "mujer", 2),
        ("2026-03", 15106, "municipal", "mujer", 12),
    ]
    rows += [("2026-Q1", 15106, "municipal", "mujer", 23)]
    table = roll_up(grains(rows), Shape(by_level=False, by_sex=False))
    sums = constraints(table, PeriodRelation.ADDITIVE, True)
    withheld = suppress(counts(table), sums, 5)
    assert CellId("2026-02", M1) in withheld
    assert CellId("2026-01", M1) in withheld  # the next-smallest month of the quarter
    assert recoverable(counts(table), sums, withheld) == {}
    assert differencing_attack(counts(table), withheld) == {}


def test_a_stock_quarter_is_withheld_with_its_last_month() -> None:
    """A stock's quarter is measured on its last day: it equals its last month exactly."""
    table = {
        CellId("2026-03", STATE): Tally(20),
        CellId("2026-03", M1): Tally(17),
        CellId("2026-03", M2): Tally(3),
        CellId("2026-Q1", STATE): Tally(20),
        CellId("2026-Q1", M1): Tally(17),
        CellId("2026-Q1", M2): Tally(3),
    }
    sums = constraints(table, PeriodRelation.AS_OF, True)
    withheld = suppress(counts(table), sums, 5)
    assert {CellId("2026-03", M1), CellId("2026-Q1", M1)} <= withheld


def _random_table(seed: int) -> dict[CellId, Tally]:
    rng = random.Random(seed)
    rows = []
    for month in ("2026-01", "2026-02", "2026-03"):
        for municipality in (15106, 15054, 15033, 15058):
            for level in ("estatal", "municipal"):
                for sex in ("hombre", "mujer"):
                    n = rng.choice((0, 0, 1, 2, 3, 4, 6, 9, 14))
                    if n:
                        rows.append((month, municipality, level, sex, n))
    quarter = {}
    for _, m, lv, s, n in rows:
        quarter[(m, lv, s)] = quarter.get((m, lv, s), 0) + n
    rows += [("2026-Q1", m, lv, s, n) for (m, lv, s), n in quarter.items()]
    return roll_up(grains(rows), Shape())


@pytest.mark.parametrize("seed", range(12))
def test_no_withheld_cell_of_a_realistic_table_can_be_recovered(seed: int) -> None:
    """Municipalities x levels x sexes x months with their quarter: neither differencing nor
    solving every published sum at once pins a withheld cell down."""
    table = _random_table(seed)
    sums = constraints(table, PeriodRelation.ADDITIVE, True)
    withheld = suppress(counts(table), sums, 5)
    small = {c for c, n in counts(table).items() if n < 5}
    assert small <= withheld
    values = counts(table)
    assert differencing_attack(values, withheld) == {}
    assert recoverable(values, sums, withheld) == {}
