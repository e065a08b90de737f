"""Small-cell suppression. A cell counting fewer than k officers is withheld (primary
suppression). Because published cells add up (municipalities to the state, sexes and levels to
their total, months to quarters to the year, breakdown values to their total), a lone withheld
cell could be recovered by subtracting the others from the total; so in every such sum that
would leave exactly one cell withheld, the next-smallest cell is withheld too (complementary
suppression), until no sum has exactly one unknown.

``recoverable`` is the auditor: it solves all the published sums at once and names every
withheld cell they still pin down; suppression keeps withholding until it names none.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

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
    groups: dict[tuple[str, CellId], list[CellId]] = defaultdict(list)
    for cell in present:
        for relation, total in _totals_of(cell, partition_dims):
            if total in present:
                groups[(relation, total)].append(cell)
    out = [Constraint(total, tuple(sorted(parts))) for (_, total), parts in groups.items()]
    out += _period_constraints(present, periods)
    return sorted(out, key=lambda c: (c.total, c.parts))


def _totals_of(cell: CellId, partition_dims: bool) -> Iterable[tuple[str, CellId]]:
    """The sums ``cell`` is a part of, each named by its relation: one total can head several
    different sums (the state is the sum of its municipalities, and of its two levels)."""
    p, geo, level, brk = cell.period, cell.geography, cell.level, cell.breakdown
    if geo != STATE and level == ALL:
        yield "geography", CellId(p, STATE, ALL, brk)
    if cell.dimension == "sex":
        yield "sex", CellId(p, geo, level, ALL)
    if geo == STATE and level != ALL:
        yield "level", CellId(p, STATE, ALL, brk)
    if partition_dims and cell.dimension not in (ALL, "sex"):
        yield cell.dimension, CellId(p, geo, level, ALL)


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
    """The cells to withhold: primary (fewer than ``k`` officers) and complementary, until no
    published sum, alone or combined with the others, pins a withheld cell down."""
    withheld = {cell for cell, n in officers.items() if n < k}
    index = _index(sums)
    _no_lone_unknown(withheld, sums, index, officers, range(len(sums)))
    while pinned := recoverable({}, sums, withheld):
        # Rare: the sums combined (not any one alone) solve a cell; hide one more near it.
        added = [_near(cell, withheld, sums, index, officers) for cell in sorted(pinned)]
        fresh = {cell for cell in added if cell is not None} - withheld
        if not fresh:
            break
        withheld |= fresh
        touched = {i for cell in fresh for i in index[cell]}
        _no_lone_unknown(withheld, sums, index, officers, sorted(touched))
    return withheld


def _index(sums: Sequence[Constraint]) -> dict[CellId, list[int]]:
    by_cell: dict[CellId, list[int]] = defaultdict(list)
    for i, con in enumerate(sums):
        for cell in (con.total, *con.parts):
            by_cell[cell].append(i)
    return by_cell


def _no_lone_unknown(
    withheld: set[CellId],
    sums: Sequence[Constraint],
    index: Mapping[CellId, list[int]],
    officers: Mapping[CellId, int],
    start: Iterable[int],
) -> None:
    """Wherever a sum has exactly one withheld cell, withhold its next-smallest cell too."""
    pending = deque(start)
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
        for j in index.get(extra, ()):
            if j not in queued:
                pending.append(j)
                queued.add(j)


def _complement(
    con: Constraint, withheld: set[CellId], officers: Mapping[CellId, int]
) -> CellId | None:
    """The next-smallest visible part; the total only when no part is left to hide."""
    visible = [p for p in con.parts if p not in withheld and p in officers]
    if visible:
        return min(visible, key=lambda p: (officers[p], p))
    return con.total if con.total not in withheld else None


def _near(
    cell: CellId,
    withheld: set[CellId],
    sums: Sequence[Constraint],
    index: Mapping[CellId, list[int]],
    officers: Mapping[CellId, int],
) -> CellId | None:
    """The smallest visible cell sharing a sum with ``cell``, else with any withheld cell."""
    for scope in ([sums[i] for i in index.get(cell, ())], sums):
        visible = [
            c
            for con in scope
            if any(m in withheld for m in (con.total, *con.parts))
            for c in (*con.parts, con.total)
            if c not in withheld and c in officers
        ]
        if visible:
            return min(visible, key=lambda c: (officers[c], c))
    return None


PRIME = (1 << 61) - 1
"""Elimination runs modulo this prime: exact for these small integer sums (a spurious
solution could only make the auditor more cautious) and far faster than fractions."""


def recoverable(
    values: Mapping[CellId, int], sums: Sequence[Constraint], withheld: Collection[CellId]
) -> dict[CellId, int]:
    """The auditor, i.e. what an attacker holding every published figure can compute: each
    withheld cell the published sums determine exactly, with its value (``values`` gives the
    cells' true values; pass ``{}`` to learn only which cells are exposed)."""
    unknown = sorted(set(withheld))
    column = {cell: i for i, cell in enumerate(unknown)}
    rhs = len(unknown)
    rows: list[dict[int, int]] = []
    for con in sums:
        row: dict[int, int] = {}
        for cell, sign in ((con.total, 1), *((p, -1) for p in con.parts)):
            at = column.get(cell, rhs)
            value = sign if at != rhs else -sign * values.get(cell, 0)
            row[at] = (row.get(at, 0) + value) % PRIME
        if any(c != rhs and v for c, v in row.items()):
            rows.append({c: v for c, v in row.items() if v})
    pivots: dict[int, dict[int, int]] = {}
    holders: dict[int, set[int]] = defaultdict(set)
    for row in sorted(rows, key=len):  # sparse sums first: far less fill-in
        _add_row(row, pivots, holders, rhs)
    found: dict[CellId, int] = {}
    for col, row in pivots.items():
        if all(c in (col, rhs) for c in row):
            value = row.get(rhs, 0)
            found[unknown[col]] = value if value <= PRIME // 2 else value - PRIME
    return found


def _add_row(
    row: dict[int, int], pivots: dict[int, dict[int, int]], holders: dict[int, set[int]], rhs: int
) -> None:
    """Reduce ``row`` against the pivot rows; if anything is left, it becomes a pivot row and
    the others are reduced by it, keeping the set in reduced row echelon form. ``holders``
    names, per column, the pivot rows with a non-zero there, so only those are reduced."""
    for col in sorted(c for c in row if c in pivots):
        factor = row.get(col)
        if factor:
            _subtract(row, pivots[col], factor)
    lead = min((c for c in row if c != rhs), default=None)
    if lead is None:
        return
    inverse = pow(row[lead], PRIME - 2, PRIME)
    row = {c: v * inverse % PRIME for c, v in row.items()}
    for other in list(holders.get(lead, ())):
        _subtract(pivots[other], row, pivots[other][lead], holders, other)
    pivots[lead] = row
    for col in row:
        holders[col].add(lead)


def _subtract(
    row: dict[int, int],
    pivot: dict[int, int],
    factor: int,
    holders: dict[int, set[int]] | None = None,
    owner: int = -1,
) -> None:
    """``row -= factor * pivot``; when ``row`` is the pivot row ``owner``, keep ``holders``."""
    for col, value in pivot.items():
        new = (row.get(col, 0) - factor * value) % PRIME
        if new:
            if holders is not None and col not in row:
                holders[col].add(owner)
            row[col] = new
        elif row.pop(col, None) is not None and holders is not None:
            holders[col].discard(owner)
