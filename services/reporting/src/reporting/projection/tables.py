"""One (family, year) table of cells, computed from the fact tables: grouped queries for
flows, bulk reads and the pure domain for stocks."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlmodel import Session

from ..adapters import facts, queries
from ..domain import stock
from ..domain.catalogue import FAMILIES
from ..domain.cells import CellId, Tally, roll_up
from ..domain.periods import overlapping, parse_period
from .model import Settings


@dataclass
class Loader:
    """Bulk reads shared by the tables of one refresh."""

    session: Session
    span: facts.Span

    @cached_property
    def histories(self) -> dict[str, stock.History]:
        return queries.histories(self.session)

    @cached_property
    def officers(self) -> dict[str, stock.Officer]:
        """Every officer with their assignment history: each stock picks, per period, those
        registered and active in it (ADR 0095)."""
        return queries.officers(self.session)

    @cached_property
    def certifications(self) -> list[stock.Certification]:
        return queries.certifications(self.session)


def compute(
    session: Session, loader: Loader, settings: Settings, family: str, year: int
) -> dict[CellId, Tally]:
    """Every cell of ``family`` in ``year``, before perturbation."""
    spec = FAMILIES[family]
    span = loader.span
    if family in queries.FLOWS:
        return roll_up(queries.flow_grains(session, family, year), spec.shape)
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
            loader.officers.values(),
            loader.histories,
            periods,
            settings.expiry_window_days,
        )
        return roll_up(grains, spec.shape)
    if family == "renewal":
        grains = stock.renewal_grains(loader.officers, loader.histories, span.horizon)
        return roll_up((g for g in grains if parse_period(g.period).year == year), spec.shape)
    if family == "instructors":
        certified = loader.certifications
        if not certified:
            return {}
        first = min(c.valid_from for c in certified)
        periods = overlapping(year, first, span.horizon)
        trained = queries.officers_trained(session, year)
        return stock.instructor_cells(certified, trained, periods)
    raise KeyError(family)
