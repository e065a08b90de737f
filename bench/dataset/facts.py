"""The enrolment facts the data set's year would produce, encoded with the contracts' own
``encode()``: the history a replay of reporting's projection reads.

Officer ids are the data set's seeded pseudonyms; event ids are derived from the seed, so the
same seed gives the same bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from convenio_contracts import Event, OutgoingRecord, encode
from convenio_contracts.enrolment import (
    AttendanceRecorded,
    EnrolmentCreated,
    EnrolmentWithdrawn,
    OfficerRegistered,
)
from convenio_contracts.topics import topic_for

from .commands import Command, requested_by
from .people import Officer
from .plan import Enrolment, stable_int

SOURCE = "/convenio/enrolment"
LOCAL = ZoneInfo("America/Mexico_City")
FACT_OF = {
    "registration": "officer.registered",
    "enrolment": "enrolment.created",
    "attendance": "attendance.recorded",
    "withdrawal": "enrolment.withdrawn",
}
"""The command kinds a replay can be made of, and the fact each one becomes."""


def fact_of(command: Command) -> Event:
    subject = command.subject
    if command.kind == "registration":
        assert isinstance(subject, Officer)
        profile = {k: v for k, v in subject.registration().items() if k in _PROFILE_FIELDS}
        return OfficerRegistered(officer_id=subject.officer_id, **profile)
    assert isinstance(subject, Enrolment)
    common = {
        "enrolment_id": subject.enrolment_id,
        "officer_id": subject.officer.officer_id,
        "offering_id": subject.offering.offering_id,
    }
    day = command.at.astimezone(LOCAL).date()
    if command.kind == "enrolment":
        return EnrolmentCreated(
            **common,
            course_id=subject.offering.course.course_id,
            requested_by=requested_by(subject.officer),
            enrolled_on=day,
        )
    if command.kind == "withdrawal":
        return EnrolmentWithdrawn(**common, reason=command.data["reason"], withdrawn_on=day)
    number = int(command.data["session_id"][1:])
    session = subject.offering.sessions[number - 1]
    return AttendanceRecorded(
        **common,
        attendance_id=f"att_{stable_int(command.at, subject.enrolment_id, number):016x}",
        session_id=session.session_id,
        session_type=session.session_type,
        session_date=session.date,
        planned_minutes=session.planned_minutes,
        status=command.data["status"],
        minutes=command.data["minutes"],
    )


_PROFILE_FIELDS = frozenset(OfficerRegistered.model_fields) - {"officer_id"}


def event_id(seed: int, n: int) -> str:
    return str(uuid.UUID(int=stable_int(seed, "fact", n) << 64 | n, version=4))


def encoded_facts(commands: Iterator[Command], seed: int, limit: int) -> Iterator[OutgoingRecord]:
    """The first ``limit`` facts of ``commands``, as their producer would publish them."""
    for n, command in enumerate(commands):
        if n >= limit:
            return
        yield encode(fact_of(command), source=SOURCE, event_id=event_id(seed, n), time=command.at)


def topic_of(fact: OutgoingRecord) -> str:
    ce_type = dict(fact.headers)["ce_type"].decode()
    return topic_for(ce_type).name
