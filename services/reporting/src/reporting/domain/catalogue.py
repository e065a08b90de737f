"""The indicator registry: every figure ONC can cite, defined once, with a code, a readable
definition, a unit and a methodology version. Indicators are grouped in *families*: the
indicators of a family are computed from the same facts and tallies; each count they publish is
perturbed by the cell-key method from its own contributors (ADR 0070), so the same count shows
the same figure in every indicator that carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .cells import Shape

METHODOLOGY = "2.0"
"""2.0: figures protected by cell-key perturbation (ADR 0070, ptable convenio-ptable-1); 1.0
was small-cell suppression (ADR 0012)."""
SCORE_BANDS = (60, 70, 80, 90)
"""Lower bounds (percent of the scale) of the desempeño score bands above the first."""
UNSCORED = "unscored"
OFFICER_CELLS = Shape()
STATE_CELLS = Shape(by_municipality=False, by_level=False, by_sex=False)


class PeriodRelation(StrEnum):
    """How a family's periods relate (the sums an analyst can form over periods)."""

    ADDITIVE = "additive"
    """Flows: a quarter is the sum of its months, a year the sum of its quarters."""
    AS_OF = "as_of"
    """Stocks measured on a period's last day: a quarter equals its last month."""
    NONE = "none"


class Kind(StrEnum):
    COUNT = "count"
    """value = numerator; no denominator."""
    RATIO = "ratio"
    """value = numerator / denominator x factor."""
    STATISTIC = "statistic"
    """value is a statistic of the cell (a median); no numerator."""


@dataclass(frozen=True)
class Family:
    name: str
    periods: PeriodRelation
    shape: Shape
    dimensions: tuple[str, ...] = ()
    """Breakdowns published at state level besides sex, e.g. ``competency``."""
    partition_dims: bool = True
    """Every counted record falls in exactly one value of each dimension, so values add up."""
    officers: str = ""
    """Who the family's cells count."""
    protected: bool = True
    """Perturbed by the cell-key method (everything but the findings, which count no people)."""


@dataclass(frozen=True)
class Indicator:
    code: str
    title: str
    definition: str
    unit: str
    family: str
    kind: Kind
    numerator: str
    denominator: str | None = None
    factor: float = 1.0
    digits: int = 4
    breakdowns: tuple[str, ...] = ("sex",)
    state_only: bool = False
    methodology_version: str = METHODOLOGY

    def publishes(self, dimension: str, geography_is_state: bool) -> bool:
        if self.state_only and not geography_is_state:
            return False
        return dimension == "all" or dimension in self.breakdowns


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("enrolment", PeriodRelation.ADDITIVE, OFFICER_CELLS, officers="officers enrolled"),
        Family(
            "outcome",
            PeriodRelation.ADDITIVE,
            OFFICER_CELLS,
            ("training_type", "course"),
            officers="officers whose enrolment ended",
        ),
        Family(
            "attendance", PeriodRelation.ADDITIVE, OFFICER_CELLS, officers="officers with records"
        ),
        Family(
            "competency",
            PeriodRelation.ADDITIVE,
            OFFICER_CELLS,
            ("competency",),
            officers="officers evaluated",
        ),
        Family(
            "performance",
            PeriodRelation.ADDITIVE,
            OFFICER_CELLS,
            ("band",),
            officers="officers evaluated",
        ),
        Family("cup", PeriodRelation.AS_OF, OFFICER_CELLS, officers="active officers"),
        Family(
            "renewal",
            PeriodRelation.ADDITIVE,
            OFFICER_CELLS,
            ("component",),
            officers="officers with a validity ending",
        ),
        Family(
            "alerts",
            PeriodRelation.ADDITIVE,
            OFFICER_CELLS,
            ("component", "window"),
            officers="officers alerted",
        ),
        Family(
            "cascade",
            PeriodRelation.ADDITIVE,
            Shape(by_level=False),
            officers="municipal officers trained",
        ),
        Family(
            "instructors",
            PeriodRelation.NONE,
            STATE_CELLS,
            ("competency",),
            partition_dims=False,
            officers="certified instructors",
        ),
        Family(
            "feedback",
            PeriodRelation.ADDITIVE,
            STATE_CELLS,
            ("course", "instructor"),
            officers="anonymous responses",
        ),
        Family("findings", PeriodRelation.NONE, STATE_CELLS, ("category",), protected=False),
    )
}


def _count(
    code: str,
    title: str,
    definition: str,
    unit: str,
    family: str,
    measure: str,
    breakdowns: tuple[str, ...] = ("sex",),
) -> Indicator:
    return Indicator(
        code, title, definition, unit, family, Kind.COUNT, measure, None, breakdowns=breakdowns
    )


def _share(
    code: str,
    title: str,
    definition: str,
    family: str,
    numerator: str,
    denominator: str,
    breakdowns: tuple[str, ...] = ("sex",),
) -> Indicator:
    return Indicator(
        code,
        title,
        definition,
        "share (0-1)",
        family,
        Kind.RATIO,
        numerator,
        denominator,
        breakdowns=breakdowns,
    )


_COVERAGE = (
    "Share of active officers whose {what} component of the CUP is approved and in force on the "
    "last day of the period: the latest status reported on or before that day is "
    "aprobatoria_vigente and its validity has not ended. The denominator is every officer "
    "registered and active on that day, under the assignment in force that day."
)

INDICATORS: tuple[Indicator, ...] = (
    _count(
        "training.enrolments",
        "Enrolments",
        "Enrolments created in the period (by enrolment date), attributed to the municipality "
        "and level of the enrolled officer's assignment on the enrolment date.",
        "enrolments",
        "enrolment",
        "enrolments",
    ),
    _count(
        "training.completions",
        "Completions",
        "Enrolments completed in the period (by decision date), not voided.",
        "enrolments",
        "outcome",
        "completed",
        ("sex", "training_type", "course"),
    ),
    _share(
        "training.completion_rate",
        "Completion rate",
        "Of the enrolments that ended in the period (completed, failed or withdrawn, by the date "
        "they ended), the share completed.",
        "outcome",
        "completed",
        "ended",
        ("sex", "training_type", "course"),
    ),
    _share(
        "training.dropout_rate",
        "Drop-out rate",
        "Of the enrolments that ended in the period, the share withdrawn before completion.",
        "outcome",
        "withdrawn",
        "ended",
        ("sex", "training_type", "course"),
    ),
    _share(
        "training.hours_delivered_share",
        "Hours delivered against hours planned",
        "Hours delivered (theory and practice) to officers whose enrolment was decided in the "
        "period, over the hours their course planned. Numerator and denominator in minutes.",
        "outcome",
        "delivered_min",
        "planned_min",
        ("training_type", "course"),
    ),
    _share(
        "training.theory_share_planned",
        "Planned theory share",
        "Planned theory hours over planned theory plus practice hours, over the enrolments "
        "decided in the period (each enrolment weighs its course's plan). Minutes.",
        "outcome",
        "planned_theory_min",
        "planned_min",
        ("training_type", "course"),
    ),
    _share(
        "training.theory_share_delivered",
        "Delivered theory share",
        "Theory hours delivered over theory plus practice hours delivered, over the enrolments "
        "decided in the period. Compare with training.theory_share_planned. Minutes.",
        "outcome",
        "delivered_theory_min",
        "delivered_min",
        ("training_type", "course"),
    ),
    _share(
        "training.attendance_rate",
        "Attendance rate",
        "Attendance records of sessions held in the period with status present or late, over "
        "all attendance records of those sessions; voided records do not count, their "
        "corrections do.",
        "attendance",
        "attended",
        "records",
    ),
    _count(
        "training.officers_trained",
        "Officers trained",
        "Distinct officers present (or late) at one or more sessions held in the period.",
        "officers",
        "attendance",
        "trained",
    ),
    Indicator(
        "training.hours_per_officer",
        "Training hours per officer trained",
        "Minutes attended (present or late) in sessions held in the period, over the officers "
        "trained in the period, in hours. The numerator is in minutes.",
        "hours per officer",
        "attendance",
        Kind.RATIO,
        "attended_min",
        "trained",
        factor=1 / 60,
        digits=2,
    ),
    _share(
        "competency.pass_rate",
        "Basic competency pass rate",
        "Competency evaluations in the period that passed (knowledge score at or above the pass "
        "mark and practical result 'cumple'), over all competency evaluations in the period.",
        "competency",
        "passed",
        "evaluations",
        ("sex", "competency"),
    ),
    _share(
        "competency.first_attempt_pass_rate",
        "First-attempt pass rate",
        "Of the officers' first attempts at a competency evaluated in the period, the share "
        "that passed.",
        "competency",
        "first_passed",
        "first_attempts",
        ("sex", "competency"),
    ),
    _count(
        "competency.reevaluations",
        "Competency re-evaluations",
        "Competency evaluations in the period that were a second or later attempt.",
        "evaluations",
        "competency",
        "reevaluations",
        ("sex", "competency"),
    ),
    _share(
        "performance.pass_rate",
        "Performance evaluation (desempeño) pass rate",
        "Desempeño evaluations in the period that passed, over all desempeño evaluations.",
        "performance",
        "passed",
        "evaluations",
    ),
    _count(
        "performance.evaluations",
        "Performance evaluations, by score band",
        "Desempeño evaluations in the period; the band breakdown (percent of the scale: "
        "0-59, 60-69, 70-79, 80-89, 90-100, or unscored) gives the score distribution.",
        "evaluations",
        "performance",
        "evaluations",
        ("sex", "band"),
    ),
    *(
        _share(
            f"cup.coverage.{c.lower()}",
            f"CUP coverage: {c}",
            _COVERAGE.format(what=c),
            "cup",
            c.lower(),
            "officers",
        )
        for c in ("FI", "C3", "CB", "ED")
    ),
    _share(
        "cup.eligibility",
        "CUP eligibility",
        "Share of the officers registered and active on the last day of the period who are "
        "eligible for the CUP on that day (every "
        "component approved and in force, as reported by evaluation).",
        "cup",
        "eligible",
        "officers",
    ),
    _share(
        "expiry.pipeline",
        "Expiry pipeline",
        "Share of active officers with a CUP component in force whose validity ends within the "
        "expiry window (EXPIRY_WINDOW_DAYS, default 180) after the last day of the period, and "
        "not yet renewed.",
        "cup",
        "expiring",
        "officers",
    ),
    _share(
        "expiry.reevaluated_before_expiry",
        "Re-evaluated before expiry",
        "Of the CUP component validities that ended in the period, the share renewed by a new "
        "approval reported on or before the day they ended.",
        "renewal",
        "renewed",
        "due",
        ("sex", "component"),
    ),
    _count(
        "expiry.alerts",
        "Expiry alerts",
        "Expiry alerts (180, 90 and 30 days before a component's validity ends) sent in the "
        "period.",
        "alerts",
        "alerts",
        "alerts",
        ("sex", "component", "window"),
    ),
    _count(
        "cascade.officers_trained",
        "Municipal officers trained by certified instructors",
        "Distinct municipal officers who completed, in the period, an offering taught by at "
        "least one instructor whose certification was in force on the completion date.",
        "officers",
        "cascade",
        "trained",
    ),
    Indicator(
        "cascade.municipality_coverage",
        "Municipalities covered by the cascade",
        "Municipalities (of the 125 of the State of Mexico) with at least one municipal officer "
        "counted by cascade.officers_trained in the period, over 125: those whose published "
        "(perturbed) count is not 0, withheld ones included.",
        "share (0-1)",
        "cascade",
        Kind.RATIO,
        "municipalities",
        "all_municipalities",
        breakdowns=(),
        state_only=True,
    ),
    _count(
        "instructors.certified",
        "Certified evaluating instructors",
        "Instructors with a certification in force on the last day of the period; the "
        "competency breakdown counts those certified for each competency.",
        "instructors",
        "instructors",
        "instructors",
        ("competency",),
    ),
    Indicator(
        "instructors.officers_per_instructor",
        "Officers trained per certified instructor",
        "Officers trained in the period (training.officers_trained, state) over the instructors "
        "certified on the last day of the period; not published while fewer than k officers "
        "were trained.",
        "officers per instructor",
        "instructors",
        Kind.RATIO,
        "trained",
        "instructors",
        digits=2,
        breakdowns=(),
    ),
    Indicator(
        "feedback.relevance",
        "Course relevance (participants)",
        "Mean relevance rating (1-5) of the anonymous course feedback submitted in the period.",
        "rating (1-5)",
        "feedback",
        Kind.RATIO,
        "relevance_sum",
        "responses",
        digits=2,
        breakdowns=("course", "instructor"),
    ),
    Indicator(
        "feedback.instructor_rating",
        "Instructor rating (participants)",
        "Mean instructor rating (1-5) of the anonymous course feedback submitted in the period.",
        "rating (1-5)",
        "feedback",
        Kind.RATIO,
        "rating_sum",
        "responses",
        digits=2,
        breakdowns=("course", "instructor"),
    ),
    _share(
        "feedback.balanced_share",
        "Theory-practice balance judged right",
        "Share of the feedback submitted in the period that judged the theory-practice balance "
        "'balanced'.",
        "feedback",
        "balanced",
        "responses",
        ("course", "instructor"),
    ),
    _share(
        "feedback.too_theoretical_share",
        "Judged too theoretical",
        "Share of the feedback submitted in the period that judged the course too theoretical.",
        "feedback",
        "too_theoretical",
        "responses",
        ("course", "instructor"),
    ),
    _count(
        "findings.opened",
        "Findings opened",
        "Areas of opportunity recorded in the period, by analysts or by automatic rules.",
        "findings",
        "findings",
        "opened",
        ("category",),
    ),
    _count(
        "findings.closed",
        "Findings closed",
        "Findings closed in the period.",
        "findings",
        "findings",
        "closed",
        ("category",),
    ),
    Indicator(
        "findings.median_days_to_close",
        "Median days to close a finding",
        "Median of the days from recording to closing, over the findings closed in the period.",
        "days",
        "findings",
        Kind.STATISTIC,
        "median_days",
        "closed",
        digits=1,
        breakdowns=("category",),
    ),
)

CATALOGUE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


def score_band(score: float | None, scale_max: float | None) -> str:
    """The desempeño score band: percent of the scale, in SCORE_BANDS steps."""
    if score is None or not scale_max:
        return UNSCORED
    percent = 100 * score / scale_max
    lows = (0, *SCORE_BANDS)
    highs = (*(b - 1 for b in SCORE_BANDS), 100)
    for low, high in reversed(tuple(zip(lows, highs, strict=True))):
        if percent >= low:
            return f"{low}-{high}"
    return f"0-{highs[0]}"


def indicators_of(family: str) -> tuple[Indicator, ...]:
    return tuple(i for i in INDICATORS if i.family == family)
