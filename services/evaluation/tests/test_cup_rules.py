"""The CUP rules of issue 16, read against the Lineamientos (ADR 0075): each test here was
written before its rule and seen to fail on the rule it replaces."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.domain.catalogue import CATALOGUES, accepted_on
from evaluation.domain.cup import (
    NOT_EVALUATED,
    CompetencyResult,
    Component,
    ComponentState,
    Evidence,
    Result,
    Status,
    attempt,
    competencias_basicas,
    components,
    effective_on,
    eligibility,
    republish,
)
from evaluation.domain.dates import valid_until
from evaluation.domain.policy import Policy
from evaluation.domain.refusals import RefusalReason, Refused

D = dt.date
POLICY = Policy()
V = Status.APROBATORIA_VIGENTE
NV = Status.APROBATORIA_NO_VIGENTE
VNA = Status.VIGENTE_NO_APROBATORIA
_2020 = sorted(CATALOGUES["2020"].competencies)
_2012 = sorted(CATALOGUES["2012"].competencies)


def _battery(version: str, codes: list[str], on: dt.date, passed: bool = True) -> list:
    return [CompetencyResult(version, c, passed, on) for c in codes]


# --- validity ends the day before the anniversary ---------------------------------------------


@pytest.mark.parametrize(
    ("start", "years", "until"),
    [
        (D(2023, 5, 10), 3, D(2026, 5, 9)),
        (D(2025, 12, 31), 3, D(2028, 12, 30)),
        (D(2023, 3, 1), 3, D(2026, 2, 28)),
        (D(2024, 3, 1), 3, D(2027, 2, 28)),
        (D(2023, 2, 28), 1, D(2024, 2, 27)),  # the leap day is not an extra day
        (D(2024, 2, 29), 3, D(2027, 2, 28)),  # the anniversary of 29 Feb is 1 March
        (D(2024, 2, 29), 4, D(2028, 2, 28)),
    ],
)
def test_validity_ends_the_day_before_the_anniversary(
    start: dt.date, years: int, until: dt.date
) -> None:
    assert valid_until(start, years) == until


def test_a_three_year_approval_lapses_on_its_anniversary() -> None:
    evidence = Evidence(results={Component.C3: [Result(True, D(2023, 5, 10))]})
    assert components(evidence, POLICY, D(2026, 5, 9))[Component.C3].status is V
    assert components(evidence, POLICY, D(2026, 5, 10))[Component.C3].status is NV


# --- non-approvals have their own validity ----------------------------------------------------


@pytest.mark.parametrize("component", [Component.C3, Component.ED])
def test_a_non_approval_is_in_force_three_years_then_lapses(component: Component) -> None:
    evidence = Evidence(results={component: [Result(False, D(2025, 1, 10))]})
    assert components(evidence, POLICY, D(2028, 1, 9))[component] == ComponentState(
        VNA, D(2025, 1, 10), D(2028, 1, 9)
    )
    assert components(evidence, POLICY, D(2028, 1, 10))[component] == NOT_EVALUATED


def test_a_lapsed_non_approval_with_a_re_evaluation_scheduled_shows_programado() -> None:
    evidence = Evidence(
        {Component.C3: [Result(False, D(2020, 1, 1))]}, (), frozenset({Component.C3})
    )
    assert components(evidence, POLICY, D(2026, 1, 1))[Component.C3].status is Status.PROGRAMADO


def test_a_cb_non_approval_is_in_force_three_years() -> None:
    results = _battery("2020", _2020[:6], D(2025, 3, 1)) + _battery(
        "2020", _2020[6:], D(2025, 3, 2), passed=False
    )
    assert competencias_basicas(results, 3) == ComponentState(VNA, D(2025, 3, 2), D(2028, 3, 1))


# --- the newest result within a component wins, whatever its catalogue version ---------------


def test_a_newer_2020_failure_overrides_an_older_2012_approval() -> None:
    results = _battery("2012", _2012, D(2019, 3, 1)) + _battery(
        "2020", _2020[:1], D(2021, 5, 1), passed=False
    )
    assert competencias_basicas(results, 3) == ComponentState(VNA, D(2021, 5, 1), D(2024, 4, 30))


def test_a_newer_complete_battery_replaces_an_older_approval_of_another_version() -> None:
    results = _battery("2012", _2012, D(2019, 3, 1)) + _battery("2020", _2020, D(2021, 5, 1))
    assert competencias_basicas(results, 3) == ComponentState(V, D(2021, 5, 1), D(2024, 4, 30))


def test_an_older_failure_of_another_version_does_not_override_a_newer_approval() -> None:
    results = _battery("2020", _2020, D(2021, 5, 1)) + _battery(
        "2012", _2012[:1], D(2019, 3, 1), passed=False
    )
    assert competencias_basicas(results, 3) == ComponentState(V, D(2021, 5, 1), D(2024, 4, 30))


# --- the 2012 catalogue only before the 2020 one took effect ---------------------------------


@pytest.mark.parametrize(
    ("version", "on", "accepted"),
    [
        ("2012", D(2019, 12, 31), True),
        ("2012", D(2020, 1, 1), False),
        ("2012", D(2025, 6, 1), False),
        ("2020", D(2025, 6, 1), True),
        ("2020", D(2019, 6, 1), True),
    ],
)
def test_the_2012_catalogue_is_accepted_only_before_the_2020_one_took_effect(
    version: str, on: dt.date, accepted: bool
) -> None:
    if accepted:
        accepted_on(CATALOGUES[version], on, POLICY)
        return
    with pytest.raises(Refused, match="2020-01-01") as refused:
        accepted_on(CATALOGUES[version], on, POLICY)
    assert refused.value.reason is RefusalReason.UNKNOWN_CATALOGUE_VERSION


def test_when_the_2020_catalogue_took_effect_is_a_setting() -> None:
    policy = Policy(catalogue_2020_from=D(2021, 7, 1))
    accepted_on(CATALOGUES["2012"], D(2021, 6, 30), policy)
    with pytest.raises(Refused, match="2021-07-01"):
        accepted_on(CATALOGUES["2012"], D(2021, 7, 1), policy)


# --- attempts are numbered within one validity cycle, by evaluation date ---------------------

TIRO = "armamento_y_tiro"


def _r(on: dt.date, passed: bool, code: str = TIRO, version: str = "2020") -> CompetencyResult:
    return CompetencyResult(version, code, passed, on)


@pytest.mark.parametrize(
    ("earlier", "on", "expected"),
    [
        ([], D(2026, 1, 10), 1),
        ([_r(D(2026, 1, 10), False)], D(2026, 2, 10), 2),
        ([_r(D(2026, 1, 10), False), _r(D(2026, 2, 10), False)], D(2026, 2, 20), 3),
        ([_r(D(2023, 1, 10), True)], D(2026, 1, 5), 1),  # the routine renewal is a first attempt
        ([_r(D(2023, 1, 10), False), _r(D(2023, 2, 10), True)], D(2026, 1, 5), 1),
        ([_r(D(2026, 3, 10), False)], D(2026, 2, 10), 1),  # a late, earlier result comes first
        ([_r(D(2026, 1, 10), False, "radiocomunicacion")], D(2026, 2, 10), 1),  # another one
        ([_r(D(2019, 1, 10), False)], D(2026, 2, 10), 1),  # a failure no longer in force
    ],
)
def test_attempts_count_failures_in_force_since_the_last_pass(
    earlier: list[CompetencyResult], on: dt.date, expected: int
) -> None:
    assert attempt(earlier, TIRO, on, 3) == expected


def test_a_code_shared_by_both_catalogues_is_one_competency_for_attempts() -> None:
    earlier = [_r(D(2019, 6, 1), False, "baston_pr_24", "2012")]
    assert attempt(earlier, "baston_pr_24", D(2019, 9, 1), 3) == 2


# --- eligibility through on-time renewals -----------------------------------------------------


def _eligible_evidence(on: dt.date) -> dict[Component, list[Result]]:
    return {
        Component.FI: [Result(True, D(2019, 1, 1))],
        Component.C3: [Result(True, on)],
        Component.ED: [Result(True, on)],
    }


def test_eligibility_stays_true_through_an_on_time_renewal_and_its_expiry_moves() -> None:
    first = D(2023, 1, 10)
    evidence = Evidence(_eligible_evidence(first), _battery("2020", _2020, first))
    before = eligibility(components(evidence, POLICY, D(2025, 12, 1)), D(2025, 12, 1))
    assert (before.eligible, before.earliest_expiry) == (True, D(2026, 1, 9))
    renewed_c3 = {
        **evidence.results,
        Component.C3: [Result(True, first), Result(True, D(2025, 12, 1))],
    }
    renewed = Evidence(renewed_c3, evidence.competencies)
    after = eligibility(components(renewed, POLICY, D(2025, 12, 1)), D(2025, 12, 1))
    assert (after.eligible, after.earliest_expiry) == (True, D(2026, 1, 9))  # CB, ED still due
    everything = Evidence(
        {c: [*r, Result(True, D(2025, 12, 1))] for c, r in renewed_c3.items() if c != Component.FI}
        | {Component.FI: renewed_c3[Component.FI]},
        [*evidence.competencies, *_battery("2020", _2020, D(2025, 12, 1))],
    )
    on = D(2026, 1, 10)  # the old expiry has passed
    later = eligibility(components(everything, POLICY, on), on)
    assert (later.eligible, later.earliest_expiry) == (True, D(2028, 11, 30))


@pytest.mark.parametrize(
    ("published", "now", "again"),
    [
        ((True, D(2026, 1, 9)), (True, D(2026, 1, 9)), False),
        ((True, D(2026, 1, 9)), (True, D(2028, 11, 30)), True),  # a renewal moved it
        ((True, D(2026, 1, 9)), (False, D(2026, 1, 9)), True),
        ((False, None), (False, D(2026, 1, 9)), False),  # ineligible: the expiry is no news
        ((False, None), (True, D(2026, 1, 9)), True),
    ],
)
def test_eligibility_is_republished_when_it_flips_or_its_earliest_expiry_moves(
    published: tuple[bool, dt.date | None], now: tuple[bool, dt.date | None], again: bool
) -> None:
    assert republish(*published, *now) is again


# --- officers on baja or suspended ------------------------------------------------------------


@pytest.mark.parametrize(("active", "eligible"), [(True, True), (False, False)])
def test_an_officer_on_baja_or_suspended_is_not_eligible(active: bool, eligible: bool) -> None:
    on = D(2025, 6, 1)
    evidence = Evidence(_eligible_evidence(on), _battery("2020", _2020, on))
    states = components(evidence, POLICY, on)
    found = eligibility(states, on, active=active)
    assert found.eligible is eligible
    assert found.missing == ()  # every component is still in force: it is the status


# --- dates are taken from when the evaluation happened ----------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "lapsed", "effective"),
    [
        (NOT_EVALUATED, ComponentState(V, D(2025, 6, 1), D(2028, 5, 31)), False, D(2025, 6, 1)),
        (
            ComponentState(V, D(2025, 6, 1), D(2028, 5, 31)),
            ComponentState(NV, D(2025, 6, 1), D(2028, 5, 31)),
            True,
            D(2028, 6, 1),
        ),
        (  # a result with no date of its own (pending) takes the day it became known
            NOT_EVALUATED,
            ComponentState(Status.EVALUADO_PENDIENTE),
            False,
            None,
        ),
    ],
)
def test_a_change_takes_effect_when_it_was_evaluated_or_when_it_lapsed(
    before: ComponentState, after: ComponentState, lapsed: bool, effective: dt.date | None
) -> None:
    assert effective_on(before, after, lapsed) == effective
