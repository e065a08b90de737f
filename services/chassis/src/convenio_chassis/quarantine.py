"""Quarantine: the sources an operator has paused, and the bounded labels sources get in metrics.

A paused source's records, valid or not, are diverted to the dead-letter topic with reason
``source_quarantined`` (never held: a held partition would also hold every other publisher's
records behind them), and can be re-driven with ``dlq_tool`` once the publisher is fixed.
Records from every other source keep flowing. See ADR 0080.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

from .dlq import UNKNOWN_SOURCE

__all__ = ["OTHER_SOURCE", "QUARANTINED_REASON", "Quarantine"]

OTHER_SOURCE = "other"
QUARANTINED_REASON = "source_quarantined"
_LABELLABLE = re.compile(r"[A-Za-z0-9/_.:@-]{1,100}")
"""What a source must look like to be a label or a readiness detail: it is the publisher's own
text, and readiness is unauthenticated."""


class Quarantine:
    """Which sources are paused, and which sources are labels.

    Labels are bounded: the catalogued sources, the paused ones, ``unknown``, and the first
    ``label_limit`` other well-formed sources seen; anything else is ``other``. An operator can
    still pause a source counted as ``other``, by the name its dead letters carry."""

    def __init__(
        self,
        paused: Iterable[str] = (),
        catalogued: Iterable[str] = (),
        label_limit: int = 32,
    ) -> None:
        self._paused = set(paused)
        self._catalogued = frozenset(catalogued)
        self._seen: set[str] = set()
        self._limit = label_limit
        self._lock = threading.Lock()

    def is_paused(self, source: str) -> bool:
        return source in self._paused

    @property
    def paused(self) -> list[str]:
        with self._lock:  # an operator's request may change the set while metrics read it
            return sorted(self._paused)

    def pause(self, source: str) -> None:
        with self._lock:
            self._paused.add(source)

    def resume(self, source: str) -> None:
        with self._lock:
            self._paused.discard(source)

    def label(self, source: str) -> str:
        if source == UNKNOWN_SOURCE or source in self._catalogued or source in self._paused:
            return source
        if source in self._seen:
            return source
        if not _LABELLABLE.fullmatch(source):
            return OTHER_SOURCE
        with self._lock:
            if len(self._seen) < self._limit:
                self._seen.add(source)
                return source
        return OTHER_SOURCE
