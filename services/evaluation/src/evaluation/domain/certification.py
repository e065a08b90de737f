"""Evaluating instructors: a competency result counts only if its evaluator was certified for
that competency on the day of the evaluation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .refusals import RefusalReason, Refused


@dataclass(frozen=True)
class Certification:
    instructor_id: str
    competency: str
    valid_from: dt.date
    valid_until: dt.date
    """Inclusive: the instructor may still evaluate on this day."""

    def covers(self, competency: str, on: dt.date) -> bool:
        return self.competency == competency and self.valid_from <= on <= self.valid_until


def check_evaluator(
    evaluator_id: str, certifications: Iterable[Certification], competency: str, on: dt.date
) -> None:
    """Refuse a result whose evaluator held no certification for it on that day."""
    held = list(certifications)
    if not held:
        raise Refused(
            RefusalReason.UNKNOWN_INSTRUCTOR,
            f"evaluator {evaluator_id} holds no evaluating-instructor certification",
        )
    if not any(c.covers(competency, on) for c in held):
        raise Refused(
            RefusalReason.UNCERTIFIED_EVALUATOR,
            f"evaluator {evaluator_id} was not certified for {competency} on {on.isoformat()}",
        )
