"""Automatic findings: rules read the published figures of quarters closed for judgement and
record each finding once (its id is stable)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlmodel import Session

from convenio_chassis.outbox import outbox_row_for
from convenio_contracts.reporting import (
    FindingActor,
    FindingRecorded,
    FindingScope,
    FindingSeverity,
)

from ..adapters import facts, queries
from ..adapters.tables import FindingRow, PublishedCell
from ..domain import findings as rules
from ..domain.cells import CellId
from ..domain.feed import Figure, as_datetime, micros_of
from ..domain.periods import QUARTER, Period, periods_in_year
from .model import Outcome, Settings

RULE_INDICATORS = (
    "training.theory_share_planned",
    "training.theory_share_delivered",
    "competency.pass_rate",
    "expiry.pipeline",
    "training.officers_trained",
)


def newly_closed_years(before: facts.Span, after: facts.Span) -> set[int]:
    """Years whose quarters a later horizon may have closed (grace periods reach back)."""
    if after.horizon is None or before.horizon == after.horizon:
        return set()
    start = before.horizon or after.horizon
    return set(range(start.year - 1, after.horizon.year + 1))


def _closed_quarters(years: Iterable[int], span: facts.Span, grace_days: int) -> list[Period]:
    """Quarters the data covers and has moved well past: their figures are final enough."""
    if span.first is None:
        return []
    first = span.first
    return [
        p
        for y in sorted(years)
        for p in periods_in_year(y)
        if p.kind == QUARTER and p.closed_by(span.horizon, grace_days) and p.end > first
    ]


def published_figures(session: Session, periods: Sequence[str]) -> list[Figure]:
    t = PublishedCell.__table__  # type: ignore[attr-defined]
    out = []
    for part in facts.chunks(list(periods)):
        query = select(t).where(
            t.c.period.in_(part), t.c.indicator.in_(RULE_INDICATORS), t.c.withdrawn.is_(False)
        )
        for r in session.execute(query):
            out.append(
                Figure(
                    r.indicator,
                    CellId(r.period, r.geography, r.level, r.breakdown),
                    r.methodology_version,
                    r.value,
                    r.numerator,
                    r.denominator,
                    r.suppressed,
                    r.as_of,
                )
            )
    return out


def apply_rules(
    session: Session,
    source: str,
    settings: Settings,
    span: facts.Span,
    years: set[int],
    publish: bool,
    outcome: Outcome,
) -> set[int]:
    """Raise the findings the rules see in closed quarters; return the years they were
    recorded in (their figures change)."""
    quarters = _closed_quarters(years, span, settings.grace_days)
    if not quarters:
        return set()
    published = published_figures(session, [q.label for q in quarters])
    municipalities = queries.active_municipalities(session)
    drafts: list[rules.Draft] = []
    t = settings.thresholds
    drafts += rules.theory_practice(published, t)
    drafts += rules.pass_rate(published, t)
    drafts += rules.expiry_backlog(published, t)
    for quarter in quarters:
        drafts += rules.untrained_municipalities(
            published, municipalities, quarter, _micros_of_day(quarter.end)
        )
    return _record_drafts(session, source, drafts, publish, outcome)


def _micros_of_day(day: dt.date) -> int:
    return micros_of(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC))


def _record_drafts(
    session: Session, source: str, drafts: Sequence[rules.Draft], publish: bool, outcome: Outcome
) -> set[int]:
    if not drafts:
        return set()
    ids = [d.finding_id for d in drafts]
    t = FindingRow.__table__  # type: ignore[attr-defined]
    known = set(session.execute(select(t.c.finding_id).where(t.c.finding_id.in_(ids))).scalars())
    years = set()
    for draft in drafts:
        if draft.finding_id in known:
            continue
        known.add(draft.finding_id)
        row = FindingRow(
            finding_id=draft.finding_id,
            scope=draft.scope,
            scope_ref=draft.scope_ref,
            category=draft.category,
            severity=draft.severity,
            title=draft.title,
            evidence=draft.evidence,
            period=draft.period,
            origin=rules.RULE,
            rule=draft.rule,
            status=rules.OPEN,
            recorded_at=draft.as_of,
            as_of=draft.as_of,
        )
        session.add(row)
        outcome.findings += 1
        years.add(queries.local_day(draft.as_of).year)
        if publish:
            session.add(outbox_row_for(finding_recorded(row), source=source))
    session.flush()
    return years


def finding_recorded(row: FindingRow) -> FindingRecorded:
    return FindingRecorded(
        finding_id=row.finding_id,
        scope=FindingScope(row.scope),
        scope_ref=row.scope_ref,
        category=row.category,
        severity=FindingSeverity(row.severity),
        title=row.title,
        evidence=row.evidence,
        period=row.period,
        origin=FindingActor(row.origin),
        rule=row.rule,
        recorded_at=as_datetime(row.recorded_at),
    )
