"""The feed projection. Once per batch, after the handlers: the buffered facts are written in
bulk, every (family, year) table they touched is recomputed from the fact tables as a whole
(suppression couples the cells of a year), and only the cells whose content changed are
republished, each with its revision + 1. Cells that no longer count anyone are withdrawn with a
tombstone. Rules then read the published figures of closed quarters and raise findings.

Late and voided facts therefore revise past periods, and a replay from offset zero computes the
same content (``computed_at`` derives from the facts, never from the wall clock).
"""

from __future__ import annotations

import logging

from sqlmodel import Session

from convenio_chassis.tracing import continued_span

from ..adapters import facts, queries
from ..domain.catalogue import FAMILIES
from ..domain.feed import figures
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
    """Write this batch's facts and bring the feed up to date with them. ``everything``
    recomputes every table (a replay); ``publish=False`` writes no outbox rows."""
    session.flush()  # the findings handlers' ORM changes, before set-based reads
    buffer = facts.take(session)
    dirty, before, after = facts.flush(session, buffer, track=not everything)
    if everything:
        dirty = {(f, y): {} for f in FAMILIES if f != "findings" for y in after.years()}
    outcome = Outcome()
    loader = Loader(session, after)
    findings_dirty = {y for f, y in dirty if f == "findings"}
    for (family, year), trace in sorted(dirty.items()):
        if family == "findings":
            continue
        with continued_span("feed refresh", trace, family=family, year=str(year)):
            _refresh_table(session, source, settings, loader, family, year, publish, outcome)
    if settings.rules_enabled:
        years = {y for _, y in dirty} | newly_closed_years(before, after)
        findings_dirty |= apply_rules(session, source, settings, after, years, publish, outcome)
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
    loader: Loader,
    family: str,
    year: int,
    publish: bool,
    outcome: Outcome,
) -> None:
    table = compute(session, loader, settings, family, year)
    outcome.tables += 1
    changed, withdrawn = publish_changes(
        session, source, family, year, figures(family, table, settings.k), publish
    )
    outcome.published += changed
    outcome.withdrawn += withdrawn


__all__ = [
    "Outcome",
    "Settings",
    "compute",
    "finding_recorded",
    "published_figures",
    "refresh",
    "to_event",
]
