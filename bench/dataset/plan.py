"""A year of training at the State of Mexico's scale: who is enrolled in which offering, who
withdraws, and who is evaluated. Deterministic from the seed; ``size`` 1.0 is the whole state.

Scale (docs: domain.md, "Scale"): about 28,800 serving officers, 10,900 of them state police,
spread over 125 municipalities; a cohort of 996 aspirants in initial training; every serving
officer takes the annual 40-hour refresher, some a second one, a specialisation, a promotion
course or senior command; a third of them renew each evaluated CUP component each year.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field, replace
from zoneinfo import ZoneInfo

from .catalogue import (
    COURSES,
    EQUIVALENT,
    INITIAL,
    PROMOTIONS,
    REFRESHERS,
    SENIOR,
    SPECIALISATIONS,
    Course,
    Offering,
    duration_days,
    plan_sessions,
    weekdays_from,
)
from .geography import CAMPUSES, campus_of
from .people import SENIOR_RANKS, Officer, cohort, roster

LOCAL = ZoneInfo("America/Mexico_City")
SERVING_OFFICERS = 28_800
STATE_SHARE = 10_900 / 28_700
INITIAL_COHORT = 996
INSTRUCTORS = 150
SHARES = {
    "equivalent": 0.03,
    "second_refresher": 0.10,
    "specialisation": 0.06,
    "promotion": 0.04,
    "senior": 0.005,
    "withdrawal": 0.02,
}
"""Shares of serving officers taking each kind of course, and of enrolments withdrawn."""


@dataclass(frozen=True)
class DatasetSpec:
    seed: int = 2025
    size: float = 1.0
    """1.0: the State of Mexico (28,800 serving officers); 0.1: a tenth of it."""
    year: int = 2025


@dataclass(frozen=True, slots=True)
class Enrolment:
    enrolment_id: str
    officer: Officer
    offering: Offering
    requested_at: dt.datetime
    sessions_recorded: int
    """Sessions with an attendance record: all of them, or those before a withdrawal."""
    withdrawn_at: dt.datetime | None


@dataclass
class Plan:
    spec: DatasetSpec
    officers: list[Officer]
    serving: int
    instructors: list[str]
    offerings: list[Offering]
    enrolments: list[Enrolment]
    by_officer: dict[int, list[Enrolment]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        by_officer: dict[int, list[Enrolment]] = defaultdict(list)
        for enrolment in self.enrolments:
            by_officer[enrolment.officer.index].append(enrolment)
        self.by_officer = dict(by_officer)

    def registered_at(self, officer: Officer) -> dt.datetime:
        """Serving officers are loaded in the first days of January; cadets when hired."""
        day = 2 + officer.index % 8 if officer.index < self.serving else 12 + officer.index % 5
        minute = stable_int(self.spec.seed, "registered", officer.index) % (9 * 60)
        return at_local(dt.date(self.spec.year, 1, day), 9 * 60 + minute)


def stable_int(*parts: object) -> int:
    """A number fixed by ``parts`` alone, so lazily generated records stay deterministic."""
    digest = hashlib.blake2b(":".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def stable_uniform(*parts: object) -> float:
    return stable_int(*parts) / 2**64


def at_local(day: dt.date, minute_of_day: int) -> dt.datetime:
    """A moment on ``day`` in the State of Mexico, in UTC."""
    local = dt.datetime.combine(day, dt.time(), LOCAL) + dt.timedelta(minutes=minute_of_day)
    return local.astimezone(dt.UTC)


def build(spec: DatasetSpec) -> Plan:
    rng = random.Random(spec.seed)
    serving = max(1, round(SERVING_OFFICERS * spec.size))
    officers = roster(rng, spec.seed, serving, STATE_SHARE, spec.year)
    officers += cohort(rng, spec.seed, serving, round(INITIAL_COHORT * spec.size), spec.year)
    officers = one_curp_each(officers)
    instructors = [f"INS-{n:04d}" for n in range(1, max(6, round(INSTRUCTORS * spec.size)) + 1)]
    needs = course_needs(rng, officers, serving)
    offerings, seats = schedule(rng, needs, instructors, spec.year)
    enrolments = [enrol(rng, spec.seed, n, officer, offering) for n, (officer, offering) in
                  enumerate(seats)]  # fmt: skip
    return Plan(spec, officers, serving, instructors, offerings, enrolments)


def one_curp_each(officers: list[Officer]) -> list[Officer]:
    """A CURP is one person, and enrolment refuses it under a second CUIP: a drawn CURP that
    repeats one before it gets the next free homoclave (the 17th character)."""
    taken: set[str] = set()
    out = []
    for officer in officers:
        curp = officer.curp
        for homoclave in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ":
            if curp not in taken:
                break
            curp = f"{officer.curp[:16]}{homoclave}{officer.curp[17]}"
        taken.add(curp)
        out.append(officer if curp == officer.curp else replace(officer, curp=curp))
    return out


def course_needs(
    rng: random.Random, officers: list[Officer], serving: int
) -> dict[str, list[Officer]]:
    """Which officers take which course this year."""
    needs: dict[str, list[Officer]] = {c.course_id: [] for c in COURSES}
    specialisation = {c.profile: c for c in SPECIALISATIONS}
    for officer in officers:
        if officer.index >= serving:
            needs[INITIAL.course_id].append(officer)
            continue
        draws = [rng.random() for _ in range(5)]
        refreshers = rng.sample(REFRESHERS, 2)
        taken: list[Course] = [refreshers[0]]
        if draws[0] < SHARES["equivalent"]:
            taken.append(EQUIVALENT)
        if draws[1] < SHARES["second_refresher"]:
            taken.append(refreshers[1])
        if draws[2] < SHARES["specialisation"]:
            taken.append(specialisation[officer.profile])
        if draws[3] < SHARES["promotion"]:
            senior = officer.rank in SENIOR_RANKS or officer.rank == "suboficial"
            taken.append(PROMOTIONS[1] if senior else PROMOTIONS[0])
        if draws[4] < SHARES["senior"] * (10 if officer.rank in SENIOR_RANKS else 1):
            taken.append(SENIOR)
        for course in taken:
            needs[course.course_id].append(officer)
    return needs


def _start_window(course: Course, year: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, 2, 2)
    if course is INITIAL:
        return first, dt.date(year, 3, 31)
    if course is EQUIVALENT:
        return first, dt.date(year, 7, 31)
    return first, dt.date(year, 12, 15) - dt.timedelta(days=duration_days(course))


def schedule(
    rng: random.Random, needs: dict[str, list[Officer]], instructors: list[str], year: int
) -> tuple[list[Offering], list[tuple[Officer, Offering]]]:
    """Offerings per course and campus, filled to capacity, spread over the year."""
    offerings: list[Offering] = []
    seats: list[tuple[Officer, Offering]] = []
    for course in COURSES:
        by_campus: dict[str, list[Officer]] = {campus: [] for campus in CAMPUSES}
        for officer in needs[course.course_id]:
            by_campus[campus_of(officer.municipality)].append(officer)
        first, last = _start_window(course, year)
        for campus in CAMPUSES:
            group = sorted(by_campus[campus], key=lambda o: (o.municipality, o.index))
            for at in range(0, len(group), course.capacity):
                chunk = group[at : at + course.capacity]
                start = weekdays_from(first + dt.timedelta(rng.randint(0, (last - first).days)), 1)
                municipal = sorted({o.municipality for o in chunk if o.level == "municipal"})
                offering = Offering(
                    offering_id=f"OF-{year}-{len(offerings) + 1:05d}",
                    course=course,
                    campus=campus,
                    starts_on=start[0],
                    sessions=plan_sessions(course, start[0]),
                    instructors=tuple(rng.sample(instructors, 2)),
                    target_municipalities=tuple(municipal[:10]),
                )
                offerings.append(offering)
                seats += [(officer, offering) for officer in chunk]
    return offerings, seats


def enrol(rng: random.Random, seed: int, n: int, officer: Officer, offering: Offering) -> Enrolment:
    requested = offering.starts_on - dt.timedelta(days=rng.randint(3, 14))
    sessions = len(offering.sessions)
    withdraws = sessions > 1 and rng.random() < SHARES["withdrawal"]
    recorded = rng.randint(1, sessions - 1) if withdraws else sessions
    withdrawn_at = (
        at_local(offering.sessions[recorded - 1].date + dt.timedelta(days=1), 8 * 60)
        if withdraws
        else None
    )
    return Enrolment(
        enrolment_id=f"enr_{stable_int(seed, 'enrolment', n):016x}",
        officer=officer,
        offering=offering,
        requested_at=at_local(requested, 9 * 60 + rng.randint(0, 9 * 60 - 1)),
        sessions_recorded=recorded,
        withdrawn_at=withdrawn_at,
    )
