"""The evaluation rules, table by table: competencies, catalogues, evaluators, each CUP
component, validity boundaries, eligibility and expiry alerts."""

from __future__ import annotations

import datetime as dt

import pytest

from evaluation.domain.catalogue import (
    CATALOGUES,
    PracticalResult,
    catalogue,
    check_certifiable,
    competency_passes,
)
from evaluation.domain.certification import Certification, check_evaluator
from evaluation.domain.cup import (
    NOT_EVALUATED,
    CompetencyResult,
    Component,
    ComponentState,
    Eligibility,
    Evidence,
    Result,
    Status,
    battery,
    competencias_basicas,
    components,
    eligibility,
    formacion_inicial,
)
from evaluation.domain.dates import add_years, in_force
from evaluation.domain.expiry import alert_due
from evaluation.domain.holding import given_up_if_received_by
from evaluation.domain.policy import Policy
from evaluation.domain.refusals import RefusalReason, Refused

D = dt.date
POLICY = Policy()
V = Status.APROBATORIA_VIGENTE
NV = Status.APROBATORIA_NO_VIGENTE
VNA = Status.VIGENTE_NO_APROBATORIA
CUMPLE, NO_CUMPLE = PracticalResult.CUMPLE, PracticalResult.NO_CUMPLE


# --- competencies and catalogues ------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "practical", "pass_mark", "passes"),
    [
        (70, CUMPLE, 70, True),
        (69.99, CUMPLE, 70, False),
        (100, CUMPLE, 70, True),
        (100, NO_CUMPLE, 70, False),
        (0, NO_CUMPLE, 70, False),
        (75, CUMPLE, 80, False),  # the pass mark is a setting
        (80, CUMPLE, 80, True),
    ],
)
def test_a_competency_passes_on_both_knowledge_and_practice(
    score: float, practical: PracticalResult, pass_mark: float, passes: bool
) -> None:
    assert competency_passes(score, practical, pass_mark) is passes


def test_the_2020_catalogue_has_seven_competencies_and_the_older_one_no_primer_respondiente():
    assert len(CATALOGUES["2020"].competencies) == 7
    assert "primer_respondiente" in CATALOGUES["2020"].competencies
    older = CATALOGUES["2012"].competencies
    assert {"capacidad_fisica", "tiro_policial", "defensa_policial"} <= older
    assert "primer_respondiente" not in older


@pytest.mark.parametrize(
    ("version", "competency", "reason"),
    [
        ("2020", "armamento_y_tiro", None),
        ("2012", "tiro_policial", None),
        ("2012", "armamento_y_tiro", RefusalReason.UNKNOWN_COMPETENCY),
        ("2020", "tiro_policial", RefusalReason.UNKNOWN_COMPETENCY),
        ("2020", "primer_respondiente", None),
        ("2012", "primer_respondiente", RefusalReason.UNKNOWN_COMPETENCY),
        ("1999", "armamento_y_tiro", RefusalReason.UNKNOWN_CATALOGUE_VERSION),
    ],
)
def test_a_result_must_name_a_competency_of_its_catalogue_version(
    version: str, competency: str, reason: RefusalReason | None
) -> None:
    if reason is None:
        assert catalogue(version, competency).version == version
        return
    with pytest.raises(Refused) as refused:
        catalogue(version, competency)
    assert refused.value.reason is reason


def test_instructors_are_certified_only_for_catalogued_competencies() -> None:
    check_certifiable(["tiro_policial", "primer_respondiente"])
    with pytest.raises(Refused, match="cocina") as refused:
        check_certifiable(["armamento_y_tiro", "cocina"])
    assert refused.value.reason is RefusalReason.UNKNOWN_COMPETENCY


# --- evaluators -------------------------------------------------------------------------------

TIRO_2025 = Certification("INS-1", "armamento_y_tiro", D(2025, 1, 1), D(2025, 12, 31))
RADIO_2026 = Certification("INS-1", "radiocomunicacion", D(2026, 1, 1), D(2026, 12, 31))


@pytest.mark.parametrize(
    ("held", "competency", "on", "reason"),
    [
        ([TIRO_2025], "armamento_y_tiro", D(2025, 6, 1), None),
        ([TIRO_2025], "armamento_y_tiro", D(2025, 1, 1), None),  # first day
        ([TIRO_2025], "armamento_y_tiro", D(2025, 12, 31), None),  # last day
        ([TIRO_2025], "armamento_y_tiro", D(2024, 12, 31), RefusalReason.UNCERTIFIED_EVALUATOR),
        ([TIRO_2025], "armamento_y_tiro", D(2026, 1, 1), RefusalReason.UNCERTIFIED_EVALUATOR),
        ([TIRO_2025], "radiocomunicacion", D(2025, 6, 1), RefusalReason.UNCERTIFIED_EVALUATOR),
        ([TIRO_2025, RADIO_2026], "radiocomunicacion", D(2026, 6, 1), None),
        ([], "armamento_y_tiro", D(2025, 6, 1), RefusalReason.UNKNOWN_INSTRUCTOR),
    ],
)
def test_an_evaluator_must_be_certified_for_the_competency_on_the_day(
    held: list[Certification], competency: str, on: dt.date, reason: RefusalReason | None
) -> None:
    if reason is None:
        check_evaluator("INS-1", held, competency, on)
        return
    with pytest.raises(Refused) as refused:
        check_evaluator("INS-1", held, competency, on)
    assert refused.value.reason is reason


# --- validity periods -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "years", "until"),
    [
        (D(2023, 5, 10), 3, D(2026, 5, 10)),
        (D(2024, 2, 29), 3, D(2027, 2, 28)),  # no 29 February in 2027: its last day
        (D(2024, 2, 29), 4, D(2028, 2, 29)),  # a leap year again
        (D(2023, 2, 28), 1, D(2024, 2, 28)),  # not stretched to the leap day
        (D(2023, 3, 1), 3, D(2026, 3, 1)),
        (D(2025, 12, 31), 3, D(2028, 12, 31)),
    ],
)
def test_years_are_added_date_to_date(start: dt.date, years: int, until: dt.date) -> None:
    assert add_years(start, years) == until  # the last day in force: test_cup_rules.py


@pytest.mark.parametrize(
    ("until", "on", "holds"),
    [
        (D(2026, 5, 10), D(2026, 5, 9), True),
        (D(2026, 5, 10), D(2026, 5, 10), True),  # exactly three years: still in force
        (D(2026, 5, 10), D(2026, 5, 11), False),
        (D(2027, 2, 28), D(2027, 2, 28), True),
        (D(2027, 2, 28), D(2027, 3, 1), False),
        (None, D(2099, 1, 1), True),
    ],
)
def test_in_force_through_the_last_day(until: dt.date | None, on: dt.date, holds: bool) -> None:
    assert in_force(until, on) is holds


# --- components -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("completions", "expected"),
    [
        ([], NOT_EVALUATED),
        ([Result(True, D(2019, 12, 1))], ComponentState(V, D(2019, 12, 1), None)),
        (  # the first completion gives it; a second one changes nothing
            [Result(True, D(2019, 12, 1)), Result(True, D(2021, 6, 1))],
            ComponentState(V, D(2019, 12, 1), None),
        ),
    ],
)
def test_fi_comes_from_initial_training_and_never_expires(
    completions: list[Result], expected: ComponentState
) -> None:
    state = formacion_inicial(completions)
    assert state == expected
    assert state.read_on(D(2070, 1, 1)) == expected


@pytest.mark.parametrize(
    ("results", "on", "status", "valid_from", "valid_until"),
    [
        ([], D(2026, 1, 1), Status.SIN_EVALUACION, None, None),
        ([Result(True, D(2023, 5, 10))], D(2026, 5, 9), V, D(2023, 5, 10), D(2026, 5, 9)),
        ([Result(True, D(2023, 5, 10))], D(2026, 5, 10), NV, D(2023, 5, 10), D(2026, 5, 9)),
        ([Result(True, D(2024, 2, 29))], D(2027, 2, 28), V, D(2024, 2, 29), D(2027, 2, 28)),
        ([Result(True, D(2024, 2, 29))], D(2027, 3, 1), NV, D(2024, 2, 29), D(2027, 2, 28)),
        ([Result(False, D(2025, 1, 1))], D(2027, 12, 31), VNA, D(2025, 1, 1), D(2027, 12, 31)),
        (  # a newer failure replaces an approval in force
            [Result(True, D(2024, 1, 1)), Result(False, D(2025, 1, 1))],
            D(2025, 6, 1),
            VNA,
            D(2025, 1, 1),
            D(2027, 12, 31),
        ),
        (  # a late-arriving older failure does not override a newer approval
            [Result(True, D(2025, 1, 1)), Result(False, D(2024, 1, 1))],
            D(2025, 6, 1),
            V,
            D(2025, 1, 1),
            D(2027, 12, 31),
        ),
    ],
)
@pytest.mark.parametrize("component", [Component.C3, Component.ED])
def test_c3_and_ed_follow_the_latest_result(
    component: Component,
    results: list[Result],
    on: dt.date,
    status: Status,
    valid_from: dt.date | None,
    valid_until: dt.date | None,
) -> None:
    state = components(Evidence(results={component: results}), POLICY, on)[component]
    assert state == ComponentState(status, valid_from, valid_until)


@pytest.mark.parametrize(("component", "field"), [("C3", "c3"), ("ED", "ed"), ("CB", "cb")])
def test_each_validity_period_is_a_setting(component: str, field: str) -> None:
    policy = Policy(**{f"{field}_validity_years": 4})  # type: ignore[arg-type]
    if component == "CB":
        results = [CompetencyResult("2020", c, True, D(2024, 2, 29)) for c in _2020]
        state = competencias_basicas(results, policy.cb_validity_years)
    else:
        evidence = Evidence(results={Component(component): [Result(True, D(2024, 2, 29))]})
        state = components(evidence, policy, D(2024, 3, 1))[Component(component)]
    assert state.valid_until == D(2028, 2, 28)


_2020 = sorted(CATALOGUES["2020"].competencies)
_2012 = sorted(CATALOGUES["2012"].competencies)


def _battery(version: str, codes: list[str], on: dt.date, passed: bool = True) -> list:
    return [CompetencyResult(version, c, passed, on) for c in codes]


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        ([], NOT_EVALUATED),
        (_battery("2020", _2020[:6], D(2025, 3, 1)), ComponentState(Status.EVALUADO_PENDIENTE)),
        (
            _battery("2020", _2020, D(2025, 3, 1)),
            ComponentState(V, D(2025, 3, 1), D(2028, 2, 29)),
        ),
        (
            _battery("2012", _2012, D(2019, 3, 1)),
            ComponentState(V, D(2019, 3, 1), D(2022, 2, 28)),
        ),
        (  # versions do not mix: six of 2020 and the seventh only in 2012
            _battery("2020", _2020[:6], D(2025, 3, 1))
            + _battery("2012", [c for c in _2012 if c not in _2020[:6]], D(2025, 3, 1)),
            ComponentState(Status.EVALUADO_PENDIENTE),
        ),
        (
            _battery("2020", _2020[:6], D(2025, 3, 1))
            + _battery("2020", _2020[6:], D(2025, 3, 2), passed=False),
            ComponentState(VNA, D(2025, 3, 2), D(2028, 3, 1)),
        ),
        (  # a failed competency retaken and passed
            _battery("2020", _2020[6:], D(2025, 3, 1), passed=False)
            + _battery("2020", _2020, D(2025, 4, 1)),
            ComponentState(V, D(2025, 4, 1), D(2028, 3, 31)),
        ),
        (  # in force from the last result until the anniversary of the oldest
            _battery("2020", _2020[:1], D(2025, 1, 10))
            + _battery("2020", _2020[1:], D(2025, 2, 20)),
            ComponentState(V, D(2025, 2, 20), D(2028, 1, 9)),
        ),
        (  # an approval in one version stands while the other is being evaluated
            _battery("2012", _2012, D(2024, 3, 1)) + _battery("2020", _2020[:2], D(2025, 3, 1)),
            ComponentState(V, D(2024, 3, 1), D(2027, 2, 28)),
        ),
    ],
)
def test_cb_needs_every_competency_of_one_catalogue_version(
    results: list[CompetencyResult], expected: ComponentState
) -> None:
    assert competencias_basicas(results, 3) == expected


def test_a_battery_counts_only_its_own_version() -> None:
    results = _battery("2020", _2020, D(2025, 3, 1))
    assert battery(CATALOGUES["2012"], results, 3) == NOT_EVALUATED


@pytest.mark.parametrize(
    ("evidence", "component", "status"),
    [
        (Evidence(scheduled=frozenset({Component.C3})), Component.C3, Status.PROGRAMADO),
        (  # lapsed, with the re-evaluation scheduled
            Evidence({Component.ED: [Result(True, D(2020, 1, 1))]}, (), frozenset({Component.ED})),
            Component.ED,
            Status.PROGRAMADO,
        ),
        (  # in force: a scheduled re-evaluation does not hide it
            Evidence({Component.ED: [Result(True, D(2025, 1, 1))]}, (), frozenset({Component.ED})),
            Component.ED,
            V,
        ),
        (  # a failure in force stays visible
            Evidence({Component.C3: [Result(False, D(2025, 1, 1))]}, (), frozenset({Component.C3})),
            Component.C3,
            VNA,
        ),
    ],
)
def test_scheduled_shows_only_where_nothing_is_in_force(
    evidence: Evidence, component: Component, status: Status
) -> None:
    assert components(evidence, POLICY, D(2026, 1, 1))[component].status is status


# --- eligibility ------------------------------------------------------------------------------

FI = ComponentState(V, D(2019, 1, 1), None)
C3 = ComponentState(V, D(2025, 1, 1), D(2028, 1, 1))
CB = ComponentState(V, D(2025, 2, 1), D(2028, 2, 1))
ED = ComponentState(V, D(2025, 3, 1), D(2028, 3, 1))
ALL = {Component.FI: FI, Component.C3: C3, Component.CB: CB, Component.ED: ED}


@pytest.mark.parametrize(
    ("states", "on", "eligible", "missing", "earliest"),
    [
        (ALL, D(2026, 1, 1), True, (), D(2028, 1, 1)),
        (ALL, D(2028, 1, 1), True, (), D(2028, 1, 1)),  # C3's last day
        (ALL, D(2028, 1, 2), False, (Component.C3,), D(2028, 2, 1)),  # and the day after
        (ALL | {Component.FI: NOT_EVALUATED}, D(2026, 1, 1), False, (Component.FI,), D(2028, 1, 1)),
        (
            ALL | {Component.CB: ComponentState(Status.EVALUADO_PENDIENTE)},
            D(2026, 1, 1),
            False,
            (Component.CB,),
            D(2028, 1, 1),
        ),
        (
            ALL | {Component.ED: ComponentState(VNA, D(2025, 3, 1))},
            D(2026, 1, 1),
            False,
            (Component.ED,),
            D(2028, 1, 1),
        ),
        ({}, D(2026, 1, 1), False, tuple(Component), None),
        (
            {Component.FI: FI},
            D(2026, 1, 1),
            False,
            (Component.C3, Component.CB, Component.ED),
            None,
        ),
        (ALL, D(2030, 1, 1), False, (Component.C3, Component.CB, Component.ED), None),
    ],
)
def test_eligibility_needs_all_four_approved_and_in_force(
    states: dict[Component, ComponentState],
    on: dt.date,
    eligible: bool,
    missing: tuple[Component, ...],
    earliest: dt.date | None,
) -> None:
    assert eligibility(states, on) == Eligibility(eligible, missing, earliest)


def test_eligibility_flips_both_ways_with_the_evidence() -> None:
    evidence = Evidence(
        results={
            Component.FI: [Result(True, D(2019, 1, 1))],
            Component.C3: [Result(True, D(2025, 1, 1))],
            Component.ED: [Result(True, D(2025, 1, 1))],
        },
        competencies=_battery("2020", _2020, D(2025, 1, 1)),
    )
    on = D(2026, 1, 1)
    assert eligibility(components(evidence, POLICY, on), on).eligible
    failed_c3 = {**evidence.results, Component.C3: [Result(False, D(2025, 12, 1))]}
    failed = Evidence(failed_c3, evidence.competencies)
    assert not eligibility(components(failed, POLICY, on), on).eligible
    passed_again = {**failed_c3, Component.C3: [*failed_c3[Component.C3], Result(True, on)]}
    back = Evidence(passed_again, evidence.competencies)
    assert eligibility(components(back, POLICY, on), on).eligible


# --- expiry alerts ----------------------------------------------------------------------------

UNTIL = D(2029, 2, 16)
WINDOWS = (180, 90, 30)


@pytest.mark.parametrize(
    ("days_left", "smallest_sent", "due"),
    [
        (181, None, None),
        (180, None, 180),
        (179, None, 180),
        (91, None, 180),
        (91, 180, None),  # never twice
        (90, 180, 90),
        (90, 90, None),
        (31, 90, None),
        (30, 90, 30),
        (30, None, 30),  # a missed 180 and 90: only the tightest window goes out
        (25, None, 30),
        (0, 90, 30),  # the last day in force
        (0, 30, None),
        (-1, None, None),  # lapsed: no alert, the lapse itself is the news
    ],
)
def test_alerts_at_180_90_and_30_days_once_each(
    days_left: int, smallest_sent: int | None, due: int | None
) -> None:
    on = UNTIL - dt.timedelta(days=days_left)
    assert alert_due(UNTIL, on, WINDOWS, smallest_sent) == due


def test_the_alert_windows_are_a_setting() -> None:
    assert alert_due(UNTIL, UNTIL - dt.timedelta(days=60), (60,), None) == 60
    with pytest.raises(ValueError, match="window"):
        Policy(alert_days=())


# --- held intake ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hold_days", "received", "today", "given_up"),
    [
        (7, D(2026, 3, 1), D(2026, 3, 8), False),
        (7, D(2026, 3, 1), D(2026, 3, 9), True),
        (0, D(2026, 3, 1), D(2026, 3, 1), False),
        (0, D(2026, 3, 1), D(2026, 3, 2), True),
    ],
)
def test_a_hold_for_an_unknown_officer_ends_after_its_limit(
    hold_days: int, received: dt.date, today: dt.date, given_up: bool
) -> None:
    policy = Policy(unknown_officer_hold_days=hold_days)
    assert (received <= given_up_if_received_by(today, policy)) is given_up
