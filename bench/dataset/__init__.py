"""A synthetic year of police training at the State of Mexico's scale, deterministic from a
seed, with its size as a parameter (``size=1.0``: 125 municipalities, about 28,800 officers).

    dataset = Dataset(DatasetSpec(seed=2025, size=1.0))
    dataset.setup()                              # courses, offerings, instructors
    dataset.year(MEASURED_KINDS, officers=...)   # the year's intake, in send order
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator

from .commands import (
    EVALUATION_KINDS,
    FEEDBACK_SHARE,
    Command,
    attendance,
    closings,
    courses,
    enrolment_requests,
    evaluations,
    evaluations_of,
    feedback,
    instructors,
    merge_in_time,
    offerings,
    registrations,
    withdrawals,
)
from .plan import DatasetSpec, Plan, build, stable_int, stable_uniform

SETUP_KINDS = ("course", "offering", "instructor")
YEAR_KINDS = (
    "registration", "enrolment", "attendance", "withdrawal", "close",
    "assessment", "competency", "performance", "c3", "feedback",
)  # fmt: skip
MEASURED_KINDS = ("registration", "enrolment", "attendance")
"""What flows through all three services today: the end-to-end benchmark's default."""

__all__ = [
    "MEASURED_KINDS",
    "SETUP_KINDS",
    "YEAR_KINDS",
    "Command",
    "Dataset",
    "DatasetSpec",
    "OfficerSampler",
]


class Dataset:
    def __init__(self, spec: DatasetSpec | None = None) -> None:
        self.spec = spec or DatasetSpec()
        self.plan: Plan = build(self.spec)

    def setup(self, kinds: Collection[str] = SETUP_KINDS) -> list[Command]:
        """What must exist before officers enrol: the catalogue, offerings and instructors."""
        parts = {"course": courses, "offering": offerings, "instructor": instructors}
        return [c for kind in SETUP_KINDS if kind in kinds for c in parts[kind](self.plan)]

    def year(
        self, kinds: Collection[str] = YEAR_KINDS, officers: Collection[int] | None = None
    ) -> Iterator[Command]:
        """The year's intake in send order; only ``officers``' own commands when given (and
        the closing of the offerings they are enrolled in)."""
        unknown = set(kinds) - set(YEAR_KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {sorted(unknown)}; known: {', '.join(YEAR_KINDS)}")
        plan = self.plan
        chosen = plan.officers if officers is None else [plan.officers[i] for i in officers]
        enrolments = [e for o in chosen for e in plan.by_officer.get(o.index, ())]
        streams: list[Iterator[Command]] = []
        if "registration" in kinds:
            streams.append(registrations(plan, chosen))
        if "enrolment" in kinds:
            streams.append(enrolment_requests(enrolments))
        if "attendance" in kinds:
            streams.append(attendance(plan, enrolments))
        if "withdrawal" in kinds:
            streams.append(withdrawals(enrolments))
        if "close" in kinds:
            touched = {e.offering.offering_id: e.offering for e in enrolments}
            streams.append(closings(touched.values()))
        if "feedback" in kinds:
            streams.append(feedback(plan, enrolments))
        if EVALUATION_KINDS & set(kinds):
            streams.append(evaluations(plan, chosen, kinds))
        return merge_in_time(streams)

    def summary(self) -> Counter[str]:
        """How many commands of each kind the whole year holds (setup included)."""
        counts = Counter(c.kind for c in self.setup())
        counts.update(c.kind for c in self.year())
        return counts

    def events_of(self, index: int, kinds: Collection[str]) -> int:
        """How many commands of ``kinds`` are about officer ``index``."""
        plan, seed = self.plan, self.spec.seed
        mine = plan.by_officer.get(index, [])
        completed = [e for e in mine if e.withdrawn_at is None]
        counts = {
            "registration": 1,
            "enrolment": len(mine),
            "attendance": sum(e.sessions_recorded for e in mine),
            "withdrawal": len(mine) - len(completed),
            "feedback": sum(
                stable_uniform(seed, "feedback", e.enrolment_id) < FEEDBACK_SHARE for e in completed
            ),
        }
        total = sum(n for kind, n in counts.items() if kind in kinds)
        if EVALUATION_KINDS & set(kinds):
            officer = plan.officers[index]
            total += sum(c.kind in kinds for c in evaluations_of(plan, officer))
        return total

    def sampler(self, kinds: Collection[str]) -> OfficerSampler:
        return OfficerSampler(self, kinds)


class OfficerSampler:
    """Hands out disjoint groups of officers, in a seeded order, each group sending about the
    requested number of commands: benchmark phases never share an officer."""

    def __init__(self, dataset: Dataset, kinds: Collection[str]) -> None:
        self.dataset, self.kinds = dataset, tuple(kinds)
        everyone = range(len(dataset.plan.officers))
        self._order = sorted(everyone, key=lambda i: stable_int(dataset.spec.seed, "order", i))
        self._next = 0

    def take(self, events: int) -> list[int]:
        chosen: list[int] = []
        total = 0
        while total < events:
            if self._next >= len(self._order):
                raise ValueError(
                    f"the data set has too few officers for {events} more events of "
                    f"{', '.join(self.kinds)}: raise its size"
                )
            index = self._order[self._next]
            self._next += 1
            chosen.append(index)
            total += self.dataset.events_of(index, self.kinds)
        return chosen
