"""The Certificado Único Policial: each officer's four components, and eligibility (ADR 0041,
revised by ADR 0075 against the Lineamientos).

A component's state is a pure function of the officer's results and the day it is read on:

- ``FI`` is approved by any completed formación inicial (or equivalent) and never expires.
- ``C3`` and ``ED`` follow the officer's newest result by evaluation date, so a late-arriving
  older result never overrides a newer one.
- ``CB`` is decided by the newest decided battery, whatever its catalogue version: a newer
  failure under 2020 replaces an older 2012 approval. A battery of one version is approved when
  the latest result of each of its competencies passes; it is in force from the last of those
  results until the day before the anniversary of the oldest.

Every result, approving or not, is in force until the day before its anniversary. An approval
past it lapses into ``aprobatoria_no_vigente``; a non-approval past it leaves nothing in
force. A component with nothing in force shows ``programado`` while an assessment is scheduled.
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
        """The state as read on ``day``: an approval past its last day has lapsed, a
        non-approval past it leaves nothing in force, and with nothing in force a scheduled
        assessment shows as ``programado``."""
        state = self
        if self.status is Status.APROBATORIA_VIGENTE and not self.holds_on(day):
            state = replace(self, status=Status.APROBATORIA_NO_VIGENTE)
        if self.status is Status.VIGENTE_NO_APROBATORIA and not in_force(self.valid_until, day):
            state = NOT_EVALUATED
        nothing_in_force = state.status in (Status.SIN_EVALUACION, Status.APROBATORIA_NO_VIGENTE)
        return ComponentState(Status.PROGRAMADO) if scheduled and nothing_in_force else state


NOT_EVALUATED = ComponentState()
ACTIVE = "activo"
"""The only officer status under which an officer is eligible and alerted (not baja, not
suspendido)."""


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
    active: bool = True
    """The officer is ``activo``: on baja or suspended, nobody is eligible."""


def gives_fi(training_type: str, delivered_hours: float, policy: Policy) -> bool:
    """FI comes only from initial training (972 hours) or its equivalent for serving officers
    (486), and only when the hours delivered reach that total: a completion with no hours
    delivered gives nothing."""
    required = policy.fi_required_hours.get(training_type)
    return required is not None and delivered_hours >= required


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
    """C3 and ED: the latest result decides, and is in force ``years``, approving or not."""
    latest = _latest(results)
    if latest is None:
        return NOT_EVALUATED
    status = Status.APROBATORIA_VIGENTE if latest.passed else Status.VIGENTE_NO_APROBATORIA
    return ComponentState(status, latest.evaluated_on, valid_until(latest.evaluated_on, years))


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
        last = max(failed)
        return ComponentState(Status.VIGENTE_NO_APROBATORIA, last, valid_until(last, years))
    if not latest:
        return NOT_EVALUATED
    if not catalogue.competencies <= set(latest):
        return ComponentState(Status.EVALUADO_PENDIENTE)
    dates = [r.evaluated_on for r in latest.values()]
    return ComponentState(Status.APROBATORIA_VIGENTE, max(dates), valid_until(min(dates), years))


def competencias_basicas(results: Sequence[CompetencyResult], years: int) -> ComponentState:
    """The newest decided battery of any version; a battery still being evaluated decides
    nothing, so an approval in force stands through its renewal. On one day a failure wins."""
    states = [battery(c, results, years) for c in CATALOGUES.values()]
    decided = [s for s in states if s.status in _DECIDED]
    if decided:
        return max(decided, key=lambda s: (s.valid_from, s.status is Status.VIGENTE_NO_APROBATORIA))
    if any(s.status is Status.EVALUADO_PENDIENTE for s in states):
        return ComponentState(Status.EVALUADO_PENDIENTE)
    return NOT_EVALUATED


_DECIDED = (Status.APROBATORIA_VIGENTE, Status.VIGENTE_NO_APROBATORIA)


def attempt(earlier: Iterable[CompetencyResult], competency: str, on: dt.date, years: int) -> int:
    """Which attempt at ``competency`` a result evaluated ``on`` is, within its validity
    cycle: one more than the failures still in force on that day since the last pass before
    it, by evaluation date. A routine renewal after a pass is a first attempt again."""
    same = sorted(
        (r for r in earlier if r.competency == competency and r.evaluated_on <= on),
        key=lambda r: r.evaluated_on,
    )
    failures = 0
    for r in same:
        if r.passed:
            failures = 0
        elif in_force(valid_until(r.evaluated_on, years), on):
            failures += 1
    return failures + 1


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


def eligibility(
    states: Mapping[Component, ComponentState], on: dt.date, *, active: bool = True
) -> Eligibility:
    """An officer may hold the CUP when active and all four components are approved and in
    force. On baja or suspended, the components still show what is in force; nothing is
    missing, yet the officer is not eligible."""
    held = {c: states.get(c, NOT_EVALUATED) for c in Component}
    missing = tuple(c for c, s in held.items() if not s.holds_on(on))
    expiries = [s.valid_until for s in held.values() if s.holds_on(on) and s.valid_until]
    return Eligibility(active and not missing, missing, min(expiries, default=None))


def republish(
    was_eligible: bool, was_expiry: dt.date | None, eligible: bool, expiry: dt.date | None
) -> bool:
    """Eligibility goes out again when it flips, and while eligible whenever its earliest
    expiry moves (a renewal), so a reader never takes an officer renewed on time for one
    whose CUP lapsed on the old date."""
    return eligible != was_eligible or (eligible and expiry != was_expiry)


def effective_on(before: ComponentState, after: ComponentState, lapsed: bool) -> dt.date | None:
    """The day a change took effect: the evaluation day of the result that caused it, or the
    day after the last day in force for a lapse; None when it has no day of its own (a
    battery in progress, a schedule), and then it takes effect when it became known."""
    if lapsed:
        return before.valid_until + dt.timedelta(days=1) if before.valid_until else None
    return after.valid_from
