"""The feed projection. Once per batch, after the handlers, the buffered facts are written in
bulk and every (family, year) table they touched is marked (``record``). A refresh, every
batch or at most once per interval (ADR 0051), then recomputes each marked table from the fact
tables as a whole (one grouped query per period kind computes a year); only cells whose
content changed are republished, each with its revision + 1. Cells that no longer count
anyone are withdrawn with a tombstone. Rules then read the published figures of closed
quarters and raise findings.

Late and voided facts therefore revise past periods, and a replay from offset zero computes the
same content (``computed_at`` derives from the facts, never from the wall clock).
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from sqlmodel import Session

from convenio_chassis.tracing import continued_span

from ..adapters import facts, marks, queries
from ..domain.catalogue import FAMILIES
from ..domain.feed import figures
from ..domain.stock import FindingDates
from .model import Outcome, Settings
from .publish import publish_changes, to_event
from .rules import apply_rules, finding_recorded, newly_closed_years, published_figures
from .tables import Loader, compute

log = logging.getLogger(__name__)


def refresh(
    session: Session,
    source: str,
    settings: Settings,
    *,
    publish: bool = True,
    everything: bool = False,
) -> Outcome:
    """Write this batch's facts and bring the feed up to date with them at once (a refresh
    interval of 0). ``everything`` recomputes every table (a replay, which keeps no marks);
    ``publish=False`` writes no outbox rows."""
    if not everything:
        record(session)
        return refresh_marked(session, source, settings, publish=publish)
    session.flush()
    _, before, after = facts.flush(session, facts.take(session), track=False)
    dirty: facts.Dirty = {(f, y): {} for f in FAMILIES if f != "findings" for y in after.years()}
    closed = newly_closed_years(before, after)
    findings_years = {d.year for f in queries.findings(session) for d in _dates(f) if d}
    return _bring_up_to_date(
        session, source, settings, after, dirty, closed, findings_years, publish
    )


def record(session: Session) -> int:
    """Write this batch's facts and mark the (family, year) tables they touched, in the
    batch's transaction: the timed refresh (ADR 0051) brings those tables up to date later.
    Returns how many fact rows the batch wrote."""
    session.flush()  # the findings handlers' ORM changes, before set-based reads
    buffer = facts.take(session)
    written = sum(len(rows) for rows in buffer.facts.values())
    dirty, before, after = facts.flush(session, buffer)
    for year in newly_closed_years(before, after):
        dirty.setdefault((marks.RULES, year), {})
    marks.add(session, dirty)
    return written


def refresh_marked(
    session: Session,
    source: str,
    settings: Settings,
    *,
    publish: bool = True,
    started: float | None = None,
) -> Outcome:
    """Recompute and publish every marked table, then drop the marks read. Claims the refresh
    row first, so refreshes never overlap; ``started`` (Unix seconds, default now) is recorded
    as when this refresh began."""
    marks.claim(session, time.time() if started is None else started)
    waiting = marks.pending(session)
    if not waiting:
        return Outcome()
    dirty = {(m.family, m.year): m.trace for m in waiting if m.family != marks.RULES}
    closed = {m.year for m in waiting if m.family == marks.RULES}
    outcome = _bring_up_to_date(
        session, source, settings, facts.read_span(session), dirty, closed, set(), publish
    )
    marks.clear(session, waiting)
    return outcome


def _dates(finding: FindingDates) -> tuple[dt.date | None, ...]:
    return (finding.recorded_on, finding.closed_on)


def _bring_up_to_date(
    session: Session,
    source: str,
    settings: Settings,
    span: facts.Span,
    dirty: facts.Dirty,
    closed_years: set[int],
    findings_years: set[int],
    publish: bool,
) -> Outcome:
    """Recompute the ``dirty`` tables, let the rules judge their years (and ``closed_years``),
    then recompute the findings tables of the years that changed."""
    outcome = Outcome()
    loader = Loader(session, span)
    findings_dirty = {y for f, y in dirty if f == "findings"} | findings_years
    for (family, year), trace in sorted(dirty.items()):
        if family == "findings":
            continue
        with continued_span("feed refresh", trace, family=family, year=str(year)):
            _refresh_table(session, source, settings, loader, family, year, publish, outcome)
    if settings.rules_enabled:
        years = {y for _, y in dirty} | closed_years
        findings_dirty |= apply_rules(session, source, settings, span, years, publish, outcome)
    for year in sorted(findings_dirty):
        _refresh_table(session, source, settings, loader, "findings", year, publish, outcome)
    if outcome.published or outcome.withdrawn:
        log.debug("feed refresh: %s", outcome)
    return outcome


def _refresh_table(
    session: Session,
    source: str,
    settings: Settings,
    loader: Loader,
    family: str,
    year: int,
    publish: bool,
    outcome: Outcome,
) -> None:
    table = compute(session, loader, settings, family, year)
    outcome.tables += 1
    changed, withdrawn = publish_changes(
        session, source, family, year, figures(family, table, settings.k, settings.protect), publish
    )
    outcome.published += changed
    outcome.withdrawn += withdrawn


__all__ = [
    "Outcome",
    "Settings",
    "compute",
    "finding_recorded",
    "published_figures",
    "record",
    "refresh",
    "refresh_marked",
    "to_event",
]
