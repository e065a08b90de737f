"""What the cell-key method publishes for a count, worked out from the contributors apart
from the projection's code path: each record contributes its officer's record key, salted by
the measure, and the ptable moves the count (ADR 0070)."""

from __future__ import annotations

from collections.abc import Iterable

from reporting.domain.perturbation import KEYS, perturb, record_key, salted


def published_count(officer_ids: Iterable[str], measure: str, k: int = 5) -> float | None:
    """The published value of a count of one record per officer in ``officer_ids``; ``None``
    when the cell is withheld (perturbed to 1..k-1)."""
    ids = list(officer_ids)
    key = sum(salted(record_key(i), measure) for i in ids) % KEYS
    shown = perturb(len(ids), key)
    return None if 0 < shown < k else float(shown)
