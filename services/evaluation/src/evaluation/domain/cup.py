"""The Certificado Único Policial: each officer's four components, and eligibility.

A component's state is a pure function of the officer's results and the day it is read on:

- ``FI`` is approved by any completed formación inicial (or equivalent) and never expires.
- ``C3`` and ``ED`` follow the officer's latest result (by evaluation date, so a late-arriving
  older result never overrides a newer one).
- ``CB`` is approved when the latest result of every competency of one catalogue version
  passes; it is in force from the last of those results until the anniversary of the oldest,
  because a battery is no younger than its oldest result.

A non-approving result stays ``vigente_no_aprobatoria`` until a newer result replaces it. Only
an approval lapses, into ``aprobatoria_no_vigente``; a component with nothing in force shows
``programado`` while an assessment for it is scheduled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from .catalogue import CATALOGUES, Catalogue
from .dates import in_force, valid_until
from .policy import Policy


class Component(StrEnum):
    FI = "FI"
    C3 = "C3"
    CB = "CB"
    ED = "ED"


class Status(StrEnum):
    """INEGI census categories."""

    APROBATORIA_VIGENTE = "aprobatoria_vigente"
    APROBATORIA_NO_VIGENTE = "aprobatoria_no_vigente"
    VIGENTE_NO_APROBATORIA = "vigente_no_aprobatoria"
    PROGRAMADO = "programado"
    EVALUADO_PENDIENTE = "evaluado_pendiente"
    SIN_EVALUACION = "sin_evaluacion"


@dataclass(frozen=True)
class ComponentState:
    status: Status = Status.SIN_EVALUACION
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None
    """Inclusive; None for a component that does not expire or holds no result in force."""

    def holds_on(self, on: dt.date) -> bool:
        """Approved and in force on that day: what the CUP needs."""
        return self.status is Status.APROBATORIA_VIGENTE and in_force(self.valid_until, on)

    def read_on(self, day: dt.date, *, scheduled: bool = False) -> ComponentState:
        """The state as read on ``day``: an approval past its last day has lapsed, and with
        nothing in force a scheduled assessment shows as ``programado``."""
        state = self
        if self.status is Status.APROBATORIA_VIGENTE and not self.holds_on(day):
            state = replace(self, status=Status.APROBATORIA_NO_VIGENTE)
        nothing_in_force = state.status in (Status.SIN_EVALUACION, Status.APROBATORIA_NO_VIGENTE)
        return ComponentState(Status.PROGRAMADO) if scheduled and nothing_in_force else state


NOT_EVALUATED = ComponentState()


@dataclass(frozen=True)
class Result:
    """A component result decided as a whole: a completion (FI), C3 or desempeño."""

    passed: bool
    evaluated_on: dt.date


@dataclass(frozen=True)
class CompetencyResult:
    catalogue_version: str
    competency: str
    passed: bool
    evaluated_on: dt.date


@dataclass(frozen=True)
class Evidence:
    """What is known about one officer's components, in the order it was recorded."""

    results: Mapping[Component, Sequence[Result]] = field(default_factory=dict)
    competencies: Sequence[CompetencyResult] = ()
    scheduled: frozenset[Component] = frozenset()
    """Components with an assessment scheduled and no result since."""


def formacion_inicial(completions: Sequence[Result]) -> ComponentState:
    passed = [r.evaluated_on for r in completions if r.passed]
    if not passed:
        return NOT_EVALUATED
    return ComponentState(Status.APROBATORIA_VIGENTE, min(passed), None)


def _latest(results: Iterable[Result]) -> Result | None:
    latest: Result | None = None
    for result in results:  # on a tie, the one recorded last wins
        if latest is None or result.evaluated_on >= latest.evaluated_on:
            latest = result
    return latest


def single_result(results: Sequence[Result], years: int) -> ComponentState:
    """C3 and ED: the latest result decides."""
    latest = _latest(results)
    if latest is None:
        return NOT_EVALUATED
    if not latest.passed:
        return ComponentState(Status.VIGENTE_NO_APROBATORIA, latest.evaluated_on, None)
    until = valid_until(latest.evaluated_on, years)
    return ComponentState(Status.APROBATORIA_VIGENTE, latest.evaluated_on, until)


def battery(
    catalogue: Catalogue, results: Sequence[CompetencyResult], years: int
) -> ComponentState:
    """One catalogue version's CB state from the results recorded against it."""
    latest: dict[str, CompetencyResult] = {}
    for r in results:
        if r.catalogue_version == catalogue.version and (
            r.competency not in latest or r.evaluated_on >= latest[r.competency].evaluated_on
        ):
            latest[r.competency] = r
    failed = [r.evaluated_on for r in latest.values() if not r.passed]
    if failed:
        return ComponentState(Status.VIGENTE_NO_APROBATORIA, max(failed), None)
    if not latest:
        return NOT_EVALUATED
    if not catalogue.competencies <= set(latest):
        return ComponentState(Status.EVALUADO_PENDIENTE)
    dates = [r.evaluated_on for r in latest.values()]
    return ComponentState(Status.APROBATORIA_VIGENTE, max(dates), valid_until(min(dates), years))


def competencias_basicas(results: Sequence[CompetencyResult], years: int) -> ComponentState:
    """The best approval among catalogue versions, else the version evaluated most recently."""
    states = {v: battery(c, results, years) for v, c in CATALOGUES.items()}
    approved = [s for s in states.values() if s.status is Status.APROBATORIA_VIGENTE]
    if approved:
        return max(approved, key=lambda s: s.valid_until or dt.date.max)
    if not results:
        return NOT_EVALUATED
    current = max(results, key=lambda r: r.evaluated_on).catalogue_version
    return states.get(current, NOT_EVALUATED)


def components(evidence: Evidence, policy: Policy, on: dt.date) -> dict[Component, ComponentState]:
    """All four components of one officer, as read on ``on``."""
    results = evidence.results
    raw = {
        Component.FI: formacion_inicial(results.get(Component.FI, ())),
        Component.C3: single_result(results.get(Component.C3, ()), policy.c3_validity_years),
        Component.CB: competencias_basicas(evidence.competencies, policy.cb_validity_years),
        Component.ED: single_result(results.get(Component.ED, ()), policy.ed_validity_years),
    }
    return {c: s.read_on(on, scheduled=c in evidence.scheduled) for c, s in raw.items()}


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    missing: tuple[Component, ...]
    earliest_expiry: dt.date | None
    """The first day after which an approval in force lapses (FI never does)."""


def eligibility(states: Mapping[Component, ComponentState], on: dt.date) -> Eligibility:
    """An officer may hold the CUP when all four components are approved and in force."""
    held = {c: states.get(c, NOT_EVALUATED) for c in Component}
    missing = tuple(c for c, s in held.items() if not s.holds_on(on))
    expiries = [s.valid_until for s in held.values() if s.holds_on(on) and s.valid_until]
    return Eligibility(not missing, missing, min(expiries, default=None))
