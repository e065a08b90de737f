"""What the academies send once the offerings exist: registrations, enrolments and a mark
for every session; one withdrawal and one corrected mark; and what it should all come to."""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from convenio_contracts import Event
from convenio_contracts.enrolment import (
    PlannedSession,
    RecordAttendance,
    RegisterOfficer,
    RequestEnrolment,
    VoidAttendance,
    WithdrawEnrolment,
)

from .cast import SEED, roster
from .courses import OFFERINGS, Offering, cohort
from .days import today_in_mexico

COMPLETION_THRESHOLD = 0.8
"""The enrolment service's default (``COMPLETION_THRESHOLD``): the story is written for it."""
HOURS_THRESHOLD = 0.8
"""The enrolment service's default (``COMPLETION_HOURS_THRESHOLD``): theory hours and practice
hours delivered each reach it to complete (ADR 0076)."""
FI_HOURS = {"formacion_inicial": 972, "formacion_inicial_equivalente": 486}
"""Evaluation's defaults: hours a completion of initial training must deliver to give FI."""
SHORTFALL = 60 + 40
"""Minutes a completing officer's hours are kept above each mark they must reach: a late mark
may lose up to 60 of a session, and the corrected mark 40 more."""

ATTENDED = ("present", "late", "justified")
"""What counts towards the attendance rate (ADR 0010); absent does not."""


@dataclass
class Training:
    """What the academies send once the offerings exist, and what it should come to."""

    registers: list[Event] = field(default_factory=list)
    """Per officer, in the order it must be applied: registration, enrolment, marks..."""
    completed: dict[str, set[str]] = field(default_factory=dict)
    """Offering id to the CUIPs that should complete it; likewise ``failed``."""
    failed: dict[str, set[str]] = field(default_factory=dict)
    withdrawn: dict[str, set[str]] = field(default_factory=dict)
    marks: Counter[str] = field(default_factory=Counter)
    """Attendance records per offering (corrections included)."""
    delivered_hours: dict[tuple[str, str], float] = field(default_factory=dict)
    """(offering id, CUIP) to the theory and practice hours the final marks deliver."""
    corrected: int = 0

    def of(self, kind: type[Event]) -> list[Any]:
        return [e for e in self.registers if isinstance(e, kind)]


def _usual_mark(rng: random.Random) -> str:
    return rng.choices(["present", "late", "justified", "absent"], [88, 6, 3, 3])[0]


def _statuses(rng: random.Random, planned: int, failing: bool) -> list[str]:
    """One officer's marks: an attendance rate safely above the threshold, or below it."""
    needed = math.ceil(COMPLETION_THRESHOLD * planned)
    statuses = [_usual_mark(rng) for _ in range(planned)]
    if failing:
        for i in rng.sample(range(planned), planned - needed + 1 + rng.randrange(2)):
            statuses[i] = "absent"
        return statuses
    absent = [i for i, s in enumerate(statuses) if s not in ATTENDED]
    for i in absent[: max(0, needed - (planned - len(absent)))]:
        statuses[i] = "present"
    return statuses


def _delivered(sessions: Sequence[PlannedSession], statuses: Sequence[str], kind: str) -> int:
    """Minutes of ``kind`` delivered, counting a late mark at its worst (60 minutes short)."""
    worst = {"present": 0, "late": 60}
    return sum(
        s.planned_minutes - worst[st]
        for s, st in zip(sessions, statuses, strict=False)
        if s.session_type == kind and st in worst
    )


def _deliver_enough(
    sessions: Sequence[PlannedSession], statuses: list[str], fi_minutes: int | None
) -> None:
    """A completing officer's register also delivers the hours: each of theory and practice
    reaches ``HOURS_THRESHOLD`` of its plan, and initial training FI's total, with room for a
    late mark and a correction. Missed sessions become present, the latest first."""

    def short() -> str | None:
        for kind in ("teoria", "practica"):
            planned = sum(s.planned_minutes for s in sessions if s.session_type == kind)
            need = min(planned, HOURS_THRESHOLD * planned + SHORTFALL)
            if _delivered(sessions, statuses, kind) < need:
                return kind
        total = _delivered(sessions, statuses, "teoria") + _delivered(
            sessions, statuses, "practica"
        )
        planned = sum(s.planned_minutes for s in sessions)
        if fi_minutes is not None and total < min(planned, fi_minutes + SHORTFALL):
            return "any"
        return None

    while (kind := short()) is not None:
        missed = [
            i
            for i, (s, st) in enumerate(zip(sessions, statuses, strict=True))
            if st != "present" and kind in ("any", s.session_type)
        ]
        statuses[missed[-1]] = "present"  # all present meets every need above


def _mark(
    cuip: str, offering: str, session: PlannedSession, status: str, rng: random.Random
) -> RecordAttendance:
    planned = session.planned_minutes
    minutes = {"present": planned, "late": planned - rng.randrange(15, 61, 5)}.get(status, 0)
    return RecordAttendance(
        cuip=cuip,
        offering_id=offering,
        session_id=session.session_id,
        status=status,
        minutes=minutes,
    )


def _corrected(marks: list[RecordAttendance]) -> list[Event]:
    """The register said absent; the academy learns the officer came late, with a note, and
    corrects it: a void, then a new record (ADR 0010)."""
    slot = next(i for i, m in enumerate(marks) if m.status == "present")
    right = marks[slot]
    wrong = RecordAttendance(**(right.model_dump() | {"status": "absent", "minutes": 0}))
    void = VoidAttendance(
        cuip=right.cuip,
        offering_id=right.offering_id,
        session_id=right.session_id,
        reason="el registro decía ausente; llegó tarde con oficio",
    )
    late = RecordAttendance(
        **(right.model_dump() | {"status": "late", "minutes": right.minutes - 40})
    )
    return [*marks[:slot], wrong, *marks[slot + 1 :], void, late]


def training(seed: int = SEED, today: dt.date | None = None) -> Training:
    """Registrations, enrolments and registers, with one withdrawal and one correction."""
    today = today or today_in_mexico()
    officers = roster(seed)
    rng = random.Random(f"{seed}:training")
    plan = Training()
    for offering in OFFERINGS:
        _register(plan, offering, cohort(offering, officers), offering.sessions(today), rng)
    return plan


def _register(
    plan: Training,
    offering: Offering,
    members: list[RegisterOfficer],
    sessions: Sequence[PlannedSession],
    rng: random.Random,
) -> None:
    """One offering's registers, officer by officer, and what they should come to."""
    oid, cuips = offering.offering_id, [o.cuip for o in members]
    failing = set(rng.sample(cuips, offering.failing))
    others = rng.sample(
        [c for c in cuips if c not in failing], offering.withdrawn + offering.corrected
    )
    withdrawn, corrected = set(others[: offering.withdrawn]), set(others[offering.withdrawn :])
    plan.failed[oid], plan.withdrawn[oid] = failing, withdrawn
    plan.completed[oid] = set(cuips) - failing - withdrawn
    for officer in members:
        cuip = officer.cuip
        statuses = _statuses(rng, len(sessions), cuip in failing)
        if cuip not in failing:
            fi_hours = FI_HOURS.get(offering.course.training_type)
            _deliver_enough(sessions, statuses, fi_hours and fi_hours * 60)
        held = sessions[:3] if cuip in withdrawn else sessions
        marks = [_mark(cuip, oid, s, st, rng) for s, st in zip(held, statuses, strict=False)]
        plan.registers += [
            officer,
            RequestEnrolment(cuip=cuip, offering_id=oid, requested_by="UMS Academia"),
            *(_corrected(marks) if cuip in corrected else marks),
        ]
        final = _corrected(marks) if cuip in corrected else marks
        plan.delivered_hours[(oid, cuip)] = _hours(final, sessions)
        plan.marks[oid] += len(marks) + (cuip in corrected)
        plan.corrected += cuip in corrected
        if cuip in withdrawn:
            reason = "cambio de adscripción"
            plan.registers.append(WithdrawEnrolment(cuip=cuip, offering_id=oid, reason=reason))


def _hours(registers: Sequence[Event], sessions: Sequence[PlannedSession]) -> float:
    """Hours the officer's final marks deliver, as enrolment counts them: present and late
    minutes up to each session's plan; a voided mark counts for nothing."""
    planned = {s.session_id: s.planned_minutes for s in sessions}
    current: dict[str, RecordAttendance] = {}
    for e in registers:
        if isinstance(e, RecordAttendance):
            current[e.session_id] = e
        elif isinstance(e, VoidAttendance):
            del current[e.session_id]
    minutes = sum(
        min(m.minutes, planned[m.session_id])
        for m in current.values()
        if m.status in ("present", "late")
    )
    return minutes / 60
