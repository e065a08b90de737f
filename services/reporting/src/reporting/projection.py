"""The feed projection. Once per batch, after the handlers: the buffered facts are written in
bulk, every (family, year) table they touched is recomputed from the fact tables as a whole
(suppression couples the cells of a year), and only the cells whose content changed are
republished, each with its revision + 1. Cells that no longer count anyone are withdrawn with a
tombstone. Rules then read the published figures of closed quarters and raise findings.

Late and voided facts therefore revise past periods, and a replay from offset zero computes the
same content (``computed_at`` derives from the facts, never from the wall clock).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from convenio_chassis.outbox import outbox_row_for
from convenio_chassis.tracing import continued_span
from convenio_contracts.reporting import (
    FindingActor,
    FindingRecorded,
    FindingScope,
    FindingSeverity,
    IndicatorPublished,
    LevelFilter,
    PeriodType,
)
from convenio_contracts.topics import REPORTING_INDICATORS

from .adapters import facts, outbox, queries
from .adapters.tables import FindingRow, PublishedCell
from .domain import findings as rules
from .domain import stock
from .domain.catalogue import FAMILIES
from .domain.cells import ALL, STATE, CellId, Tally, roll_up
from .domain.feed import Figure, as_datetime, figures, micros_of
from .domain.periods import QUARTER, Period, overlapping, parse_period, periods_in_year

log = logging.getLogger(__name__)
RULE_INDICATORS = (
    "training.theory_share_planned",
    "training.theory_share_delivered",
    "competency.pass_rate",
    "expiry.pipeline",
    "training.officers_trained",
)


@dataclass(frozen=True)
class Settings:
    """The projection's parameters, from ``ReportingSettings`` (which holds the defaults)."""

    k: int
    expiry_window_days: int
    thresholds: rules.Thresholds
    grace_days: int
    rules_enabled: bool = True


@dataclass
class Outcome:
    tables: int = 0
    published: int = 0
    withdrawn: int = 0
    findings: int = 0


@dataclass
class _Loader:
    """Bulk reads shared by the tables of one refresh."""

    session: Session
    span: facts.Span
    cache: dict[str, Any] = field(default_factory=dict)

    @cached_property
    def histories(self) -> dict[str, stock.History]:
        return queries.histories(self.session)

    @cached_property
    def all_officers(self) -> dict[str, stock.Officer]:
        return queries.officers(self.session, active_only=False)

    @cached_property
    def active_officers(self) -> dict[str, stock.Officer]:
        return queries.officers(self.session, active_only=True)

    @cached_property
    def certifications(self) -> list[stock.Certification]:
        return queries.certifications(self.session)


def refresh(
    session: Session,
    source: str,
    settings: Settings,
    *,
    publish: bool = True,
    everything: bool = False,
) -> Outcome:
    """Write this batch's facts and bring the feed up to date with them. ``everything``
    recomputes every table (a replay); ``publish=False`` writes no outbox rows."""
    session.flush()  # the findings handlers' ORM changes, before set-based reads
    buffer = facts.take(session)
    dirty, before, after = facts.flush(session, buffer, track=not everything)
    if everything:
        dirty = {(f, y): {} for f in FAMILIES if f != "findings" for y in after.years()}
    outcome = Outcome()
    loader = _Loader(session, after)
    findings_dirty = {y for f, y in dirty if f == "findings"}
    for (family, year), trace in sorted(dirty.items()):
        if family == "findings":
            continue
        with continued_span("feed refresh", trace, family=family, year=str(year)):
            _refresh_table(session, source, settings, loader, family, year, publish, outcome)
    if settings.rules_enabled:
        years = {y for _, y in dirty} | _newly_closed_years(before, after)
        findings_dirty |= _apply_rules(session, source, settings, after, years, publish, outcome)
    if everything:
        for dates in queries.findings(session):
            findings_dirty |= {d.year for d in (dates.recorded_on, dates.closed_on) if d}
    for year in sorted(findings_dirty):
        _refresh_table(session, source, settings, loader, "findings", year, publish, outcome)
    if outcome.published or outcome.withdrawn:
        log.debug("feed refresh: %s", outcome)
    return outcome


def _refresh_table(
    session: Session,
    source: str,
    settings: Settings,
    loader: _Loader,
    family: str,
    year: int,
    publish: bool,
    outcome: Outcome,
) -> None:
    table = compute(session, loader, settings, family, year)
    outcome.tables += 1
    changed, withdrawn = _publish_changes(
        session, source, family, year, figures(family, table, settings.k), publish
    )
    outcome.published += changed
    outcome.withdrawn += withdrawn


def compute(
    session: Session, loader: _Loader, settings: Settings, family: str, year: int
) -> dict[CellId, Tally]:
    """Every cell of ``family`` in ``year``, before suppression."""
    spec = FAMILIES[family]
    span = loader.span
    if family in queries.FLOWS:
        cells = roll_up(queries.flow_grains(session, family, year), spec.shape)
        if family == "cascade":
            _count_municipalities(cells)
        return cells
    if family == "findings":
        return stock.findings_cells(queries.findings(session), year)
    if span.horizon is None:
        return {}
    if family == "cup":
        first = queries.first_status_day(session)
        if first is None:
            return {}
        periods = overlapping(year, first, span.horizon)
        grains = stock.cup_grains(
            loader.active_officers.values(),
            loader.histories,
            periods,
            settings.expiry_window_days,
        )
        return roll_up(grains, spec.shape)
    if family == "renewal":
        grains = stock.renewal_grains(loader.all_officers, loader.histories, span.horizon)
        return roll_up((g for g in grains if parse_period(g.period).year == year), spec.shape)
    if family == "instructors":
        certified = loader.certifications
        if not certified:
            return {}
        first = min(c.valid_from for c in certified)
        periods = overlapping(year, first, span.horizon)
        trained = queries.officers_trained(session, year)
        return stock.instructor_cells(certified, trained, periods, settings.k)
    raise KeyError(family)


def _count_municipalities(cells: dict[CellId, Tally]) -> None:
    """The cascade's coverage: municipalities with at least one officer counted."""
    covered: dict[str, int] = {}
    for cell, tally in cells.items():
        if cell.geography != STATE and cell.breakdown == ALL and tally.officers > 0:
            covered[cell.period] = covered.get(cell.period, 0) + 1
    for period, n in covered.items():
        state = cells.get(CellId(period, STATE))
        if state is not None:
            state.measures["municipalities"] = float(n)


def _content(row: Any) -> tuple[object, ...]:
    return (
        row.methodology_version,
        row.value,
        row.numerator,
        row.denominator,
        row.suppressed,
        row.as_of,
    )


def _publish_changes(
    session: Session,
    source: str,
    family: str,
    year: int,
    new: Sequence[Figure],
    publish: bool,
) -> tuple[int, int]:
    t = PublishedCell.__table__  # type: ignore[attr-defined]
    existing = {
        r.cell_key: r
        for r in session.execute(select(t).where(t.c.family == family, t.c.year == str(year)))
    }
    rows: list[dict[str, Any]] = []
    for figure in new:
        key = figure.key
        old = existing.pop(key, None)
        if old is not None and not old.withdrawn and _content(old) == figure.content():
            continue
        rows.append(_row(figure, family, year, (old.revision + 1) if old is not None else 1))
    facts.upsert(session, PublishedCell, rows)
    gone = [r.cell_key for r in existing.values() if not r.withdrawn]
    for part in facts.chunks(gone):
        session.execute(
            update(t)
            .where(t.c.cell_key.in_(part))
            .values(withdrawn=True, revision=t.c.revision + 1)
        )
    if publish:
        outbox.add_events(session, (to_event(r) for r in rows), source)
        outbox.add_tombstones(session, REPORTING_INDICATORS.name, gone)
    return len(rows), len(gone)


def _row(figure: Figure, family: str, year: int, revision: int) -> dict[str, Any]:
    cell = figure.cell
    return {
        "cell_key": figure.key,
        "indicator": figure.indicator,
        "family": family,
        "year": str(year),
        "methodology_version": figure.methodology_version,
        "period": cell.period,
        "period_type": parse_period(cell.period).kind,
        "geography": cell.geography,
        "level": cell.level,
        "breakdown": cell.breakdown,
        "value": figure.value,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "suppressed": figure.suppressed,
        "revision": revision,
        "as_of": figure.as_of,
        "withdrawn": False,
    }


def to_event(cell: Mapping[str, Any]) -> IndicatorPublished:
    """The feed's record for a stored cell (a row of ``published_cell``, as a mapping)."""
    return IndicatorPublished(
        cell_key=cell["cell_key"],
        indicator=cell["indicator"],
        methodology_version=cell["methodology_version"],
        period=cell["period"],
        period_type=PeriodType(cell["period_type"]),
        geography=cell["geography"],
        level=LevelFilter(cell["level"]),
        breakdown=cell["breakdown"],
        value=cell["value"],
        numerator=cell["numerator"],
        denominator=cell["denominator"],
        suppressed=cell["suppressed"],
        revision=cell["revision"],
        computed_at=as_datetime(cell["as_of"]),
    )


# --- rules -----------------------------------------------------------------------------------


def _newly_closed_years(before: facts.Span, after: facts.Span) -> set[int]:
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


def _apply_rules(
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
    known = set(
        session.exec(
            select(FindingRow.finding_id).where(col(FindingRow.finding_id).in_(ids))
        ).scalars()  # type: ignore[call-overload]
    )
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
