"""Findings: the areas of opportunity ONC records, by hand or by automatic rules, and their
lifecycle open -> acknowledged -> in_progress -> closed, with UMS's responses recorded.

Rules read only figures the feed publishes (never a withheld cell), so a finding can never
tell more than the feed does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .cells import ALL, STATE
from .feed import Figure
from .periods import Period

OPEN, ACKNOWLEDGED, IN_PROGRESS, CLOSED = "open", "acknowledged", "in_progress", "closed"
ONC, UMS, RULE = "onc", "ums", "rule"
NEXT = {OPEN: ACKNOWLEDGED, ACKNOWLEDGED: IN_PROGRESS, IN_PROGRESS: CLOSED}


class Refusal(StrEnum):
    UNKNOWN_FINDING = "unknown_finding"
    DUPLICATE_FINDING = "duplicate_finding"
    INVALID_TRANSITION = "invalid_transition"
    INVALID_REQUEST = "invalid_request"


class Refused(Exception):
    def __init__(self, reason: Refusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


def check_transition(current: str, wanted: str, actor: str, note: str) -> None:
    """Raise ``Refused`` unless ``actor`` may move a finding from ``current`` to ``wanted``.

    Each step goes to the next status; ONC, the observer, may close at any step (a finding
    resolved or dismissed) and only ONC closes. A change to the same status is a response
    (e.g. UMS's answer) and must say something."""
    if actor == RULE:
        raise Refused(Refusal.INVALID_REQUEST, "only reporting's own rules act as 'rule'")
    if current == CLOSED:
        raise Refused(Refusal.INVALID_TRANSITION, "the finding is closed")
    if wanted == current:
        if not note.strip():
            raise Refused(
                Refusal.INVALID_REQUEST, "a response without a status change needs a note"
            )
        return
    if wanted == CLOSED and actor != ONC:
        raise Refused(Refusal.INVALID_TRANSITION, "only ONC closes a finding")
    if wanted != NEXT[current] and wanted != CLOSED:
        raise Refused(Refusal.INVALID_TRANSITION, f"a finding {current} cannot become {wanted}")


_PSEUDONYM = re.compile(r"off_[0-9a-f]{32}")
_CURP = re.compile(r"\b[A-Z][AEIOUX][A-Z]{2}\d{6}[HMX][A-Z]{5}[A-Z\d]\d\b")
_CUIP_LIKE = re.compile(r"\b(?=[A-Z0-9]*\d{4})(?=[A-Z0-9]*[A-Z]{4})[A-Z0-9]{10,30}\b")


def identity_in(text: str) -> str | None:
    """What kind of personal identifier ``text`` seems to carry, if any. Names cannot be told
    apart from other words; the contract forbids them and analysts are trusted with that."""
    for kind, pattern in (("pseudonym", _PSEUDONYM), ("CURP", _CURP), ("CUIP", _CUIP_LIKE)):
        if pattern.search(text):
            return kind
    return None


@dataclass(frozen=True)
class Thresholds:
    theory_share_tolerance: float
    competency_pass_floor: float
    expiry_backlog_ceiling: float


@dataclass(frozen=True)
class Draft:
    """A finding a rule raises."""

    finding_id: str
    rule: str
    scope: str
    scope_ref: str
    category: str
    severity: str
    title: str
    evidence: str
    period: str
    as_of: int


def finding_id(rule: str, period: str, scope_ref: str) -> str:
    """Stable, so a rule raises one finding per subject and period however often it runs."""
    candidate = f"{rule}:{period}:{scope_ref}"
    if len(candidate) <= 64:
        return candidate
    digest = hashlib.sha256(scope_ref.encode()).hexdigest()[:16]
    return f"{rule}:{period}:{digest}"


def _visible(figures: Iterable[Figure], indicator: str) -> list[Figure]:
    return [f for f in figures if f.indicator == indicator and not f.suppressed]


def theory_practice(figures: Sequence[Figure], t: Thresholds) -> list[Draft]:
    """A course whose delivered theory share strays from its plan by more than the tolerance."""
    planned = {
        (f.cell.period, f.cell.breakdown): f
        for f in _visible(figures, "training.theory_share_planned")
        if f.cell.geography == STATE and f.cell.breakdown.startswith("course:")
    }
    out = []
    for d in _visible(figures, "training.theory_share_delivered"):
        p = planned.get((d.cell.period, d.cell.breakdown))
        if p is None or d.value is None or p.value is None or d.cell.geography != STATE:
            continue
        gap = d.value - p.value
        if abs(gap) <= t.theory_share_tolerance:
            continue
        course = d.cell.breakdown.split(":", 1)[1]
        leaning = "theory" if gap > 0 else "practice"
        out.append(
            Draft(
                finding_id("tp-balance", d.cell.period, course),
                "theory_practice_band",
                "course",
                course,
                "theory_practice_balance",
                "high" if abs(gap) > 2 * t.theory_share_tolerance else "medium",
                f"Course {course} delivered more {leaning} than planned in {d.cell.period}",
                f"Delivered theory share {d.value:.2f} against {p.value:.2f} planned (indicators "
                f"training.theory_share_delivered and training.theory_share_planned); tolerance "
                f"{t.theory_share_tolerance:.2f}.",
                d.cell.period,
                max(d.as_of, p.as_of),
            )
        )
    return out


def pass_rate(figures: Sequence[Figure], t: Thresholds) -> list[Draft]:
    """A basic competency whose state-wide pass rate is below the floor."""
    out = []
    for f in _visible(figures, "competency.pass_rate"):
        if f.cell.geography != STATE or not f.cell.breakdown.startswith("competency:"):
            continue
        if f.value is None or f.value >= t.competency_pass_floor:
            continue
        competency = f.cell.breakdown.split(":", 1)[1]
        out.append(
            Draft(
                finding_id("pass-floor", f.cell.period, competency),
                "competency_pass_floor",
                "competency",
                competency,
                "pass_rate",
                "high",
                f"Pass rate of {competency} below {t.competency_pass_floor:.0%} in {f.cell.period}",
                f"competency.pass_rate = {f.value:.2f} ({f.numerator} of {f.denominator} "
                f"evaluations); floor {t.competency_pass_floor:.2f}.",
                f.cell.period,
                f.as_of,
            )
        )
    return out


def expiry_backlog(figures: Sequence[Figure], t: Thresholds) -> list[Draft]:
    """A geography where too many officers' components expire soon without renewal."""
    out = []
    for f in _visible(figures, "expiry.pipeline"):
        if f.cell.level != ALL or f.cell.breakdown != ALL:
            continue
        if f.value is None or f.value <= t.expiry_backlog_ceiling:
            continue
        is_state = f.cell.geography == STATE
        ref = "15" if is_state else f.cell.geography.split(":", 1)[1]
        out.append(
            Draft(
                finding_id("expiry-backlog", f.cell.period, ref),
                "expiry_backlog_ceiling",
                "state" if is_state else "municipality",
                ref,
                "expiry_backlog",
                "medium",
                f"Expiry backlog above {t.expiry_backlog_ceiling:.0%} in {f.cell.geography}",
                f"expiry.pipeline = {f.value:.2f} ({f.numerator} of {f.denominator} active "
                f"officers with a component expiring soon, period {f.cell.period}); ceiling "
                f"{t.expiry_backlog_ceiling:.2f}.",
                f.cell.period,
                f.as_of,
            )
        )
    return out


def untrained_municipalities(
    figures: Sequence[Figure],
    municipalities: Iterable[int],
    period: Period,
    as_of: int,
) -> list[Draft]:
    """Municipalities with officers on the roll and no officer trained in a closed period in
    which officers elsewhere in the state were. A withheld cell is not evidence either way, so
    it raises nothing."""
    trained: Mapping[str, Figure] = {
        f.cell.geography: f
        for f in figures
        if f.indicator == "training.officers_trained"
        and f.cell.period == period.label
        and f.cell.level == ALL
        and f.cell.breakdown == ALL
    }
    state = trained.get(STATE)
    if state is None or state.suppressed or not state.value:
        return []
    out = []
    for code in sorted(municipalities):
        geo = f"municipality:{code}"
        figure = trained.get(geo)
        if figure is not None and (figure.suppressed or (figure.value or 0) > 0):
            continue
        out.append(
            Draft(
                finding_id("untrained", period.label, str(code)),
                "untrained_municipality",
                "municipality",
                str(code),
                "municipal_coverage",
                "medium",
                f"No officer of municipality {code} trained in {period.label}",
                f"training.officers_trained is 0 for {geo} in {period.label} while the "
                "municipality has active officers registered.",
                period.label,
                as_of,
            )
        )
    return out
