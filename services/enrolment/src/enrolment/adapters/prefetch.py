"""Loads, in a few set-based queries, every row a batch's handlers will look up one by one,
into the batch memo (see ``memo.py``), recording what is absent too."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import func, tuple_
from sqlmodel import Session, col, select

from convenio_chassis.consumer import batch_memo

from ..domain.enrolments import EnrolmentStatus
from . import memo as keys
from .repository import current_key, planned_session_of
from .tables import AttendanceRow, EnrolmentRow, OfferingRow, OfferingSessionRow, OfficerRow

T = TypeVar("T")
_CHUNK = 500
"""Values per IN list: well under every database's limit on bound parameters."""


@dataclass
class Wants:
    """What a batch's commands name."""

    cuips: set[str] = field(default_factory=set)
    offerings: set[str] = field(default_factory=set)
    seats: set[str] = field(default_factory=set)
    """Offerings whose seats a command will count."""
    enrolments: set[tuple[str, str]] = field(default_factory=set)
    """(CUIP, offering id)."""
    sessions: set[tuple[str, str, str]] = field(default_factory=set)
    """(CUIP, offering id, session id) of attendance commands."""


def prefetch(session: Session, wants: Wants) -> None:
    memo = batch_memo(session)
    memo[keys.PREFETCHED] = True
    # Offerings first, locked in id order: two instances lock in the same order (no deadlock),
    # and the seats counted below cannot change under us.
    _offerings(session, memo, sorted(wants.offerings))
    _sessions(session, memo, {(o, s) for _, o, s in wants.sessions})
    officer_ids = _officers(session, memo, wants.cuips)
    _seats(session, memo, wants.seats)
    enrolment_ids = _enrolments(session, memo, officer_ids, wants.enrolments)
    _attendance(session, memo, enrolment_ids, officer_ids, wants.sessions)


def _offerings(session: Session, memo: dict[object, object], ids: list[str]) -> None:
    for chunk in _chunks(ids):
        query = (
            select(OfferingRow)
            .where(col(OfferingRow.offering_id).in_(chunk))
            .order_by(col(OfferingRow.offering_id))
            .with_for_update()
        )
        for row in session.exec(query):
            memo[keys.offering(row.offering_id)] = row
    for offering_id in ids:
        memo.setdefault(keys.offering(offering_id), None)


def _sessions(session: Session, memo: dict[object, object], wanted: set[tuple[str, str]]) -> None:
    # Only for offerings that exist: a session is scheduled with its offering, never alone.
    pairs = sorted(p for p in wanted if memo.get(keys.offering(p[0])) is not None)
    table = OfferingSessionRow
    for chunk in _chunks(pairs):
        query = select(table).where(
            tuple_(col(table.offering_id), col(table.session_id)).in_(chunk)
        )
        for row in session.exec(query):
            memo[keys.planned_session(row.offering_id, row.session_id)] = planned_session_of(row)
    for offering_id, session_id in pairs:
        memo.setdefault(keys.planned_session(offering_id, session_id), None)


def _officers(session: Session, memo: dict[object, object], cuips: set[str]) -> dict[str, str]:
    """Officer id by CUIP, of those registered."""
    found: dict[str, str] = {}
    for chunk in _chunks(sorted(cuips)):
        for row in session.exec(select(OfficerRow).where(col(OfficerRow.cuip).in_(chunk))):
            memo[keys.officer(row.cuip)] = row
            found[row.cuip] = row.officer_id
    for cuip in cuips:
        memo.setdefault(keys.officer(cuip), None)
    return found


def _seats(session: Session, memo: dict[object, object], offerings: set[str]) -> None:
    for chunk in _chunks(sorted(offerings)):
        query = (
            select(EnrolmentRow.offering_id, func.count())
            .where(
                col(EnrolmentRow.offering_id).in_(chunk),
                EnrolmentRow.status != EnrolmentStatus.WITHDRAWN,
            )
            .group_by(col(EnrolmentRow.offering_id))
        )
        for offering_id, taken in session.exec(query):
            memo[keys.seats(offering_id)] = int(taken)
    for offering_id in offerings:
        memo.setdefault(keys.seats(offering_id), 0)


def _enrolments(
    session: Session,
    memo: dict[object, object],
    officer_ids: dict[str, str],
    wanted: set[tuple[str, str]],
) -> dict[tuple[str, str], str]:
    """Enrolment id by (officer id, offering id), of those that exist."""
    pairs = sorted((officer_ids[c], o) for c, o in wanted if c in officer_ids)
    found: dict[tuple[str, str], str] = {}
    table = EnrolmentRow
    for chunk in _chunks(pairs):
        query = select(table).where(
            tuple_(col(table.officer_id), col(table.offering_id)).in_(chunk)
        )
        for row in session.exec(query):
            memo[keys.enrolment(row.officer_id, row.offering_id)] = row
            found[(row.officer_id, row.offering_id)] = row.enrolment_id
    for officer_id, offering_id in pairs:
        memo.setdefault(keys.enrolment(officer_id, offering_id), None)
    return found


def _attendance(
    session: Session,
    memo: dict[object, object],
    enrolment_ids: dict[tuple[str, str], str],
    officer_ids: dict[str, str],
    wanted: set[tuple[str, str, str]],
) -> None:
    current = sorted(
        current_key(enrolment_ids[(officer_ids[c], o)], s)
        for c, o, s in wanted
        if c in officer_ids and (officer_ids[c], o) in enrolment_ids
    )
    for chunk in _chunks(current):
        query = select(AttendanceRow).where(col(AttendanceRow.current_key).in_(chunk))
        for row in session.exec(query):
            memo[keys.attendance(row.current_key or "")] = row
    for key in current:
        memo.setdefault(keys.attendance(key), None)


def _chunks(items: Sequence[T] | Iterable[T]) -> Iterator[list[T]]:
    batch = list(items)
    for start in range(0, len(batch), _CHUNK):
        yield batch[start : start + _CHUNK]
