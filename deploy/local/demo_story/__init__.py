"""The story ``make run`` tells, as the agencies would tell it: what each of them sends, and
what the services should make of it. Pure and deterministic: a function of a seed and of the
day it is told (every date counts back from that day, so the results are in force whenever
the demo runs). ``demo.py`` publishes it.

- **Academies** (enrolment intake): 57 officers in five municipalities, both levels and sexes;
  two courses of different training types with theory and practice hours; three offerings
  with their sessions; every officer enrolled; a mark for every session (mostly present, some
  late, justified or absent, so a few officers miss the 80 % threshold); one withdrawal; one
  corrected mark (void, then a new record); then each offering is closed.
- **Evaluators and the C3 import** (evaluation intake, by ``officer_id``): six certified
  instructors; the 2020 competency battery for every officer, with a few failures and
  re-evaluations; desempeño results (or one scheduled); C3 results, a few expiring soon; and
  anonymous course feedback. Officers who completed formación inicial equivalente and passed
  everything become eligible for the CUP.
- **ONC** (findings intake): two findings; UMS answers one, ONC closes the other.

Zacazonapan has three officers, fewer than k = 5, so the feed withholds its cells. One command
is refused on purpose (``INTENDED_REJECTION``): a competency result recorded by an instructor
not certified for that competency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from convenio_contracts import Event
from convenio_contracts.enrolment import RegisterOfficer
from convenio_contracts.evaluation import SubmitCourseFeedback

from .cast import SEED, roster
from .courses import COMPETENCIES_2020, COURSES, OFFERINGS, cohort
from .days import today_in_mexico
from .evaluations import (
    INSTRUCTORS,
    INTENDED_REJECTION,
    evaluation_commands,
    expected_eligible,
    feedback,
)
from .findings import findings
from .registers import Training, training

__all__ = [
    "COMPETENCIES_2020",
    "COURSES",
    "INSTRUCTORS",
    "INTENDED_REJECTION",
    "OFFERINGS",
    "SEED",
    "Story",
    "Training",
    "roster",
    "story",
]


@dataclass(frozen=True)
class Story:
    """Everything the agencies send, in the groups ``demo.py`` publishes one after another,
    and who should end up eligible for the CUP (by CUIP)."""

    seed: int
    today: dt.date
    definitions: list[Event]
    certifications: list[Event]
    training: Training
    closes: list[Event]
    feedback: list[Event]
    """Course feedback as the story writes it, before it names its enrolments."""
    respondents: list[str]
    """The CUIP that answers each of ``feedback``, in the same order."""
    findings: list[Event]
    eligible: set[str]

    @property
    def officers(self) -> list[RegisterOfficer]:
        return self.training.of(RegisterOfficer)

    def evaluations(self, officer_ids: Mapping[str, str]) -> tuple[list[Event], list[Event]]:
        return evaluation_commands(officer_ids, self.seed, self.today)

    def feedback_from(
        self, officer_ids: Mapping[str, str], enrolments: Mapping[tuple[str, str], str]
    ) -> list[Event]:
        """The feedback as sent, each naming its respondent's enrolment: ``enrolments`` maps
        (officer_id, offering_id) to the enrolment_id of ``enrolment.created`` (ADR 0077)."""
        return [
            SubmitCourseFeedback.model_validate(
                f.model_dump() | {"enrolment_id": enrolments[(officer_ids[cuip], f.offering_id)]}  # type: ignore[attr-defined]
            )
            for cuip, f in zip(self.respondents, self.feedback, strict=True)
        ]

    def enrolment_intake(self) -> list[Event]:
        return self.definitions + self.training.registers + self.closes


def story(seed: int = SEED, today: dt.date | None = None) -> Story:
    """The story as told on ``today`` (by default, today in the State of Mexico)."""
    today = today or today_in_mexico()
    officers = roster(seed)
    answers = feedback(seed, today)
    return Story(
        seed=seed,
        today=today,
        definitions=[c.command() for c in COURSES]
        + [o.command(today, cohort(o, officers)) for o in OFFERINGS],
        certifications=[i.command(today) for i in INSTRUCTORS],
        training=training(seed, today),
        closes=[o.close(today) for o in OFFERINGS],
        feedback=[command for _, command in answers],
        respondents=[cuip for cuip, _ in answers],
        findings=findings(today),
        eligible=expected_eligible(seed, today),
    )
