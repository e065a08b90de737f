"""Cell-key perturbation (ABS, Thompson, Broadfoot and Elazar 2013; ONS, 2021 Census), the
feed's disclosure control (docs/disclosure.md, ADR 0070).

Every contributor (an officer, an anonymous feedback response, an instructor's certification)
has a *record key*, uniform in ``0..255`` and fixed for ever. A figure's *cell key* is the sum
of its contributing records' keys modulo 256, so adding or voiding a fact changes it by one
key: O(1). The figure's noise is looked up in the perturbation table (ptable) from its true
value and its cell key; the same contributors therefore always give the same published figure,
and publishing it again, or in another table, or in another indicator, tells nothing new.

The ptable has ONS's format (``pcv, ckey, pvalue``; values above 750 reuse rows 501-750) so
that ONS's ``cell-key-perturbation`` package computes the same tables from the microdata (the
reference test). It is unbiased, never publishes 1 or 2, and moves a value by at most
``MAX_NOISE`` above the small values.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator

KEYS = 256
"""Record and cell keys are in ``0..KEYS-1``."""
MAX_PCV = 750
PTABLE_VERSION = "convenio-ptable-1"
METHOD = "cell-key"
MAX_NOISE = 2
"""Largest deviation for true values of 5 and above (smaller ones may become 0)."""
FLOOR = 3
"""The minimum publishable count can never be set below this: the ptable never publishes 1 or
2, and 3 is the smallest value it can publish besides 0."""

_SMALL: dict[int, dict[int, int]] = {
    # true value -> {published value: how many of the 256 cell keys publish it}
    1: {0: 171, 3: 85},
    2: {0: 96, 3: 128, 4: 32},
    3: {0: 48, 3: 96, 4: 80, 5: 32},
    4: {0: 16, 3: 48, 4: 112, 5: 48, 6: 32},
}
_LARGE = {-2: 24, -1: 48, 0: 112, 1: 48, 2: 24}
"""Noise for values of 5 and above: mean 0, variance 1.125."""


def _row(value: int) -> list[int]:
    """The noise (pvalue) for each cell key 0..255 of a true value 1..750."""
    spread = {p - value: n for p, n in _SMALL[value].items()} if value in _SMALL else dict(_LARGE)
    assert sum(spread.values()) == KEYS
    # Interleave so that neighbouring keys get different noise (a key moves by one record's key).
    out: list[int] = []
    for noise, count in sorted(spread.items()):
        out += [noise] * count
    return [out[(key * 97) % KEYS] for key in range(KEYS)]


_PTABLE: dict[int, list[int]] = {v: _row(v) for v in range(1, MAX_PCV + 1)}


def pcv(value: int) -> int:
    """The ptable row of a true value: rows 501-750 repeat for larger values (ONS)."""
    return value if value <= MAX_PCV else (value - 1) % 250 + 501


def noise(value: int, cell_key: int) -> int:
    if value <= 0:
        return 0
    return _PTABLE[pcv(value)][cell_key % KEYS]


def perturb(value: int, cell_key: int) -> int:
    return value + noise(value, cell_key)


def ptable_rows() -> Iterator[tuple[int, int, int]]:
    """The ptable as ONS's package reads it: (pcv, ckey, pvalue)."""
    for value, row in _PTABLE.items():
        for key, p in enumerate(row):
            yield value, key, p


def record_key(identifier: str) -> int:
    """A contributor's record key: uniform in 0..255, from the pseudonymous id (or an event's
    random id), which the feed never carries. Stable, so a replay computes the same feed."""
    return hashlib.sha256(identifier.encode()).digest()[0]


@functools.cache
def salt(measure: str) -> int:
    """Each measure shifts its records' keys by its own odd amount, so that two measures
    counting the same records (completed and ended, when every enrolment ended in completion)
    get different noise, while one measure counted in two tables gets the same noise."""
    return hashlib.sha256(measure.encode()).digest()[1] | 1


def salted(key: int, measure: str) -> int:
    """A record's key as it counts in ``measure``."""
    return (key + salt(measure)) % KEYS


def _sources() -> dict[int, range]:
    seen: dict[int, set[int]] = {}
    for value in range(MAX_PCV + 250):
        for n in set(_PTABLE[pcv(value)]) if value else {0}:
            seen.setdefault(value + n, set()).add(value)
    return {p: range(min(v), max(v) + 1) for p, v in seen.items()}


_SOURCES = _sources()


def possible(published: int) -> range:
    """Every true value the ptable can publish as ``published``: what an attacker who knows
    the ptable learns from the figure alone."""
    if published in _SOURCES and published < MAX_PCV:
        return _SOURCES[published]
    return range(published - MAX_NOISE, published + MAX_NOISE + 1)
