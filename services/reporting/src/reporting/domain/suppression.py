"""Small-cell suppression. A cell counting fewer than k officers is withheld (primary
suppression). Because published cells add up (municipalities to the state, sexes and levels to
their total, months to quarters to the year, breakdown values to their total), a lone withheld
cell could be recovered by subtracting the others from the total; so in every such sum that
would leave exactly one cell withheld, the next-smallest cell is withheld too (complementary
suppression), until no sum has exactly one unknown.

``recoverable`` is the auditor: it solves the published sums exactly and names every withheld
cell the equations still pin down.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from .cells import ALL, STATE, CellId
from .periods import MONTH, QUARTER, month, parse_period


class PeriodRelation(StrEnum):
    ADDITIVE = "additive"
    """Flows: a quarter is the sum of its months, a year the sum of its quarters."""
    AS_OF = "as_of"
    """Stocks measured on a period's last day: a quarter equals its last month."""
    NONE = "none"


@dataclass(frozen=True)
class Constraint:
    """``total`` is the sum of ``parts`` (absent parts are known zeros)."""

    total: CellId
    parts: tuple[CellId, ...]


def constraints(
    cells: Collection[CellId], periods: PeriodRelation, partition_dims: bool
) -> list[Constraint]:
    """Every published sum among ``cells``."""
    present = set(cells)
    groups: dict[CellId, list[CellId]] = defaultdict(list)
    for cell in present:
        for total in _totals_of(cell, partition_dims):
            if total in present:
                groups[total].append(cell)
    out = [Constraint(total, tuple(sorted(parts))) for total, parts in groups.items()]
    out += _period_constraints(present, periods)
    return sorted(out, key=lambda c: (c.total, c.parts))


def _totals_of(cell: CellId, partition_dims: bool) -> Iterable[CellId]:
    p, geo, level, brk = cell.period, cell.geography, cell.level, cell.breakdown
    if geo != STATE and level == ALL:
        yield CellId(p, STATE, ALL, brk)
    if cell.dimension == "sex":
        yield CellId(p, geo, level, ALL)
    if geo == STATE and level != ALL:
        yield CellId(p, STATE, ALL, brk)
    if partition_dims and cell.dimension not in (ALL, "sex"):
        yield CellId(p, geo, level, ALL)


def _period_constraints(present: set[CellId], relation: PeriodRelation) -> list[Constraint]:
    if relation is PeriodRelation.NONE:
        return []
    groups: dict[CellId, list[CellId]] = defaultdict(list)
    for cell in present:
        period = parse_period(cell.period)
        if relation is PeriodRelation.ADDITIVE and period.kind != "year":
            parent = _parent_label(period.kind, cell.period)
            groups[CellId(parent, cell.geography, cell.level, cell.breakdown)].append(cell)
        elif relation is PeriodRelation.AS_OF and period.kind != MONTH:
            twin = CellId(month(period.last_day).label, cell.geography, cell.level, cell.breakdown)
            if twin in present:
                groups[cell].append(twin)
    return [
        Constraint(total, tuple(sorted(parts)))
        for total, parts in groups.items()
        if total in present
    ]


def _parent_label(kind: str, label: str) -> str:
    period = parse_period(label)
    if kind == MONTH:
        return f"{period.year}-Q{(period.start.month - 1) // 3 + 1}"
    assert kind == QUARTER
    return str(period.year)


def suppress(officers: Mapping[CellId, int], sums: Sequence[Constraint], k: int) -> set[CellId]:
    """The cells to withhold: primary (fewer than ``k`` officers) and complementary."""
    withheld = {cell for cell, n in officers.items() if n < k}
    by_cell: dict[CellId, list[int]] = defaultdict(list)
    for i, con in enumerate(sums):
        for cell in (con.total, *con.parts):
            by_cell[cell].append(i)
    pending = deque(range(len(sums)))
    queued = set(pending)
    while pending:
        i = pending.popleft()
        queued.discard(i)
        con = sums[i]
        if sum(cell in withheld for cell in (con.total, *con.parts)) != 1:
            continue
        extra = _complement(con, withheld, officers)
        if extra is None:
            continue
        withheld.add(extra)
        for j in by_cell[extra]:
            if j not in queued:
                pending.append(j)
                queued.add(j)
    return withheld


def _complement(
    con: Constraint, withheld: set[CellId], officers: Mapping[CellId, int]
) -> CellId | None:
    """The next-smallest visible part; the total only when no part is left to hide."""
    visible = [p for p in con.parts if p not in withheld and p in officers]
    if visible:
        return min(visible, key=lambda p: (officers[p], p))
    return con.total if con.total not in withheld else None


def recoverable(
    values: Mapping[CellId, int], sums: Sequence[Constraint], withheld: Collection[CellId]
) -> dict[CellId, Fraction]:
    """What an attacker can compute: each withheld cell that the published sums determine
    exactly (by Gaussian elimination over the rationals), with its value."""
    unknown = sorted(set(withheld))
    column = {cell: i for i, cell in enumerate(unknown)}
    rows: list[list[Fraction]] = []
    for con in sums:
        coefficients = [Fraction(0)] * (len(unknown) + 1)
        for cell, sign in ((con.total, 1), *((p, -1) for p in con.parts)):
            if cell in column:
                coefficients[column[cell]] += sign
            else:
                coefficients[-1] -= sign * values.get(cell, 0)
        if any(coefficients[:-1]):
            rows.append(coefficients)
    solved = _reduced_row_echelon(rows, len(unknown))
    found: dict[CellId, Fraction] = {}
    for row in solved:
        nonzero = [i for i in range(len(unknown)) if row[i] != 0]
        if len(nonzero) == 1:
            found[unknown[nonzero[0]]] = row[-1] / row[nonzero[0]]
    return found


def _reduced_row_echelon(rows: list[list[Fraction]], width: int) -> list[list[Fraction]]:
    pivot_row = 0
    for col in range(width):
        pivot = next((r for r in range(pivot_row, len(rows)) if rows[r][col] != 0), None)
        if pivot is None:
            continue
        rows[pivot_row], rows[pivot] = rows[pivot], rows[pivot_row]
        lead = rows[pivot_row][col]
        rows[pivot_row] = [x / lead for x in rows[pivot_row]]
        for r in range(len(rows)):
            if r != pivot_row and rows[r][col] != 0:
                factor = rows[r][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[pivot_row], strict=True)]
        pivot_row += 1
    return rows[:pivot_row]
