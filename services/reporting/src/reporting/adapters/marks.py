"""Dirty marks for the timed feed refresh (ADR 0051): which (family, year) tables changed since
the feed last showed them, and when the latest refresh that completed began.

A batch writes its marks in its own transaction; a refresh claims the refresh row first (a
write: on PostgreSQL a row lock, on SQLite the database's write lock, so refreshes never run
side by side), reads the marks, recomputes those tables and deletes the marks it read unless a
later batch has re-set them meanwhile (a new token)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, delete, select
from sqlmodel import Session

from .facts import Dirty, dialect_insert
from .tables import FeedMark, ProjectionState

REFRESHED = "feed_refreshed_at"
"""``projection_state`` row: the wall-clock start (Unix seconds) of the latest completed refresh."""
RULES = "rules"
"""A pseudo-family: years whose quarters a later horizon may have closed for the rules."""


@dataclass(frozen=True)
class Mark:
    family: str
    year: int
    token: str
    trace: dict[str, str]


def add(session: Session, dirty: Dirty) -> None:
    """Mark the tables; a mark already waiting keeps its trace and takes the new token."""
    if not dirty:
        return
    token = uuid.uuid4().hex
    rows = [
        {"family": f, "year": y, "token": token, "trace": json.dumps(trace, sort_keys=True)}
        for (f, y), trace in sorted(dirty.items())
    ]
    stmt = dialect_insert(session, FeedMark)
    stmt = stmt.on_conflict_do_update(
        index_elements=["family", "year"], set_={"token": stmt.excluded.token}
    )
    session.execute(stmt, rows)


def pending(session: Session) -> list[Mark]:
    t = FeedMark.__table__  # type: ignore[attr-defined]
    query = select(t.c.family, t.c.year, t.c.token, t.c.trace).order_by(t.c.family, t.c.year)
    return [Mark(r[0], int(r[1]), r[2], json.loads(r[3])) for r in session.execute(query)]


def any_pending(session: Session) -> bool:
    t = FeedMark.__table__  # type: ignore[attr-defined]
    return session.execute(select(t.c.family).limit(1)).first() is not None


def clear(session: Session, marks: Sequence[Mark]) -> None:
    if not marks:
        return
    t = FeedMark.__table__  # type: ignore[attr-defined]
    stmt = delete(t).where(
        and_(
            t.c.family == bindparam("f"),
            t.c.year == bindparam("y"),
            t.c.token == bindparam("t"),
        )
    )
    session.connection().execute(stmt, [{"f": m.family, "y": m.year, "t": m.token} for m in marks])


def claim(session: Session, started: float) -> None:
    """Take the refresh row for this transaction, recording when this refresh began."""
    stmt = dialect_insert(session, ProjectionState)
    stmt = stmt.on_conflict_do_update(index_elements=["name"], set_={"value": stmt.excluded.value})
    session.execute(stmt, [{"name": REFRESHED, "value": repr(started)}])


def refreshed_at(session: Session) -> float | None:
    t = ProjectionState.__table__  # type: ignore[attr-defined]
    value = session.execute(select(t.c.value).where(t.c.name == REFRESHED)).scalar()
    return float(value) if value is not None else None
