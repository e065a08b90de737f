"""Findings: the lifecycle, the rules at their thresholds, the identity guard, and the intake
through the real pipeline (rejections to the publisher, facts on reporting.findings.v1)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from convenio_contracts.reporting import ChangeFindingStatus, RecordFinding, RespondToFinding
from reporting.domain import findings as f
from reporting.domain.cells import CellId
from reporting.domain.feed import Figure
from reporting.domain.periods import parse_period

T = f.Thresholds(
    theory_share_tolerance=0.10, competency_pass_floor=0.70, expiry_backlog_ceiling=0.25
)
S = "state:15"


@pytest.mark.parametrize(
    ("current", "wanted", "actor", "note", "refusal"),
    [
        ("open", "acknowledged", "ums", "", None),
        ("acknowledged", "in_progress", "ums", "plan sent", None),
        ("in_progress", "closed", "onc", "verified", None),
        ("open", "closed", "onc", "not an issue", None),  # ONC may dismiss at any step
        ("in_progress", "in_progress", "ums", "60% of instructors re-trained", None),
        ("in_progress", "in_progress", "ums", "  ", f.Refusal.INVALID_REQUEST),
        ("open", "in_progress", "ums", "", f.Refusal.INVALID_TRANSITION),  # skips a step
        ("in_progress", "closed", "ums", "", f.Refusal.INVALID_TRANSITION),  # only ONC closes
        ("acknowledged", "open", "onc", "", f.Refusal.INVALID_TRANSITION),  # no way back
        ("closed", "open", "onc", "", f.Refusal.INVALID_TRANSITION),
        ("open", "acknowledged", "rule", "", f.Refusal.INVALID_REQUEST),
    ],
)
def test_finding_lifecycle(current, wanted, actor, note, refusal) -> None:
    if refusal is None:
        f.check_transition(current, wanted, actor, note)
        return
    with pytest.raises(f.Refused) as refused:
        f.check_transition(current, wanted, actor, note)
    assert refused.value.reason is refusal


def fig(
    indicator: str,
    period: str,
    geo: str = S,
    breakdown: str = "all",
    value: float | None = 0.0,
    suppressed: bool = False,
) -> Figure:
    return Figure(
        indicator,
        CellId(period, geo, "all", breakdown),
        "1.0",
        None if suppressed else value,
        None if suppressed else 10,
        None if suppressed else 20,
        suppressed,
        1,
    )


@pytest.mark.parametrize(
    ("planned", "delivered", "raised"),
    [
        (0.25, 0.35, False),
        (0.25, 0.3501, True),
        (0.25, 0.15, False),
        (0.25, 0.1499, True),
        (0.5, 0.75, True),
    ],
)
def test_theory_practice_band_is_the_tolerance_around_the_plan(planned, delivered, raised):
    figures = [
        fig("training.theory_share_planned", "2026-Q1", breakdown="course:C1", value=planned),
        fig("training.theory_share_delivered", "2026-Q1", breakdown="course:C1", value=delivered),
    ]
    assert bool(f.theory_practice(figures, T)) is raised


@pytest.mark.parametrize(("rate", "raised"), [(0.70, False), (0.6999, True), (0.9, False)])
def test_competency_pass_rate_floor(rate, raised) -> None:
    figures = [fig("competency.pass_rate", "2026-Q1", breakdown="competency:tiro", value=rate)]
    drafts = f.pass_rate(figures, T)
    assert bool(drafts) is raised
    assert all(d.scope == "competency" and d.scope_ref == "tiro" for d in drafts)


@pytest.mark.parametrize(("share", "raised"), [(0.25, False), (0.2501, True), (0.1, False)])
def test_expiry_backlog_ceiling(share, raised) -> None:
    figures = [fig("expiry.pipeline", "2026-Q1", "municipality:15106", value=share)]
    drafts = f.expiry_backlog(figures, T)
    assert bool(drafts) is raised
    assert all((d.scope, d.scope_ref) == ("municipality", "15106") for d in drafts)


def test_withheld_figures_raise_nothing() -> None:
    figures = [
        fig("competency.pass_rate", "2026-Q1", breakdown="competency:tiro", suppressed=True),
        fig("expiry.pipeline", "2026-Q1", suppressed=True),
    ]
    assert f.pass_rate(figures, T) == []
    assert f.expiry_backlog(figures, T) == []


@pytest.mark.parametrize(
    ("municipal", "raised"),
    [
        (None, True),  # no training at all recorded for the municipality
        (0.0, True),  # records, but nobody present
        (3.0, False),
        ("withheld", False),  # a withheld cell is no evidence
    ],
)
def test_a_municipality_with_no_officer_trained_in_a_closed_quarter(municipal, raised) -> None:
    figures = [fig("training.officers_trained", "2026-Q1", value=40)]
    if municipal is not None:
        figures.append(
            fig(
                "training.officers_trained",
                "2026-Q1",
                "municipality:15058",
                value=0 if municipal == "withheld" else municipal,
                suppressed=municipal == "withheld",
            )
        )
    drafts = f.untrained_municipalities(figures, [15058], parse_period("2026-Q1"), 1)
    assert [d.finding_id for d in drafts] == (["untrained:2026-Q1:15058"] if raised else [])


def test_no_training_anywhere_in_the_state_is_not_a_municipality_s_finding() -> None:
    assert f.untrained_municipalities([], [15058], parse_period("2026-Q1"), 1) == []


def test_rule_finding_ids_are_stable_and_fit_the_contract() -> None:
    assert f.finding_id("tp-balance", "2026-Q1", "C2") == "tp-balance:2026-Q1:C2"
    long = f.finding_id("tp-balance", "2026-Q1", "C" * 64)
    assert len(long) <= 64
    assert long == f.finding_id("tp-balance", "2026-Q1", "C" * 64)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Low pass rate in Toluca, 12 of 40 officers", None),
        ("see officer off_0123456789abcdef0123456789abcdef", "pseudonym"),
        ("CURP GOML850101HMCRRS09 failed", "CURP"),
        ("CUIP GAMA850101ABCD failed", "CUIP"),
        ("course UMS-PR-2026-01 and programme PRP2026", None),
    ],
)
def test_findings_must_not_carry_identities(text, kind) -> None:
    assert f.identity_in(text) == kind


# --- through the pipeline ---------------------------------------------------------------------

AT = dt.datetime(2026, 3, 15, 17, tzinfo=dt.UTC)


def record(finding_id: str = "F-1", evidence: str = "Pass rate 0.42 in 2026-Q1") -> RecordFinding:
    return RecordFinding(
        finding_id=finding_id,
        scope="competency",
        scope_ref="armamento_y_tiro",
        category="pass_rate",
        severity="high",
        title="Armamento y tiro lags",
        evidence=evidence,
        period="2026-Q1",
    )


def change(status: str, actor: str, note: str = "") -> ChangeFindingStatus | RespondToFinding:
    """ONC's command on ONC's channel; UMS's response on UMS's."""
    if actor == "ums":
        return RespondToFinding(finding_id="F-1", status=status, note=note)
    return ChangeFindingStatus(finding_id="F-1", status=status, actor=actor, note=note)


def outcomes(rows) -> list[str]:
    out = []
    for row in rows:
        body = json.loads(row.value)
        kind = dict(row.header_list())["ce_type"].decode().split(".")[-3:-1]
        out.append(".".join(kind) + ":" + str(body.get("reason") or body.get("status", "")))
    return out


def test_an_analyst_finding_goes_through_its_lifecycle_with_ums_responses(feed) -> None:
    feed.send((record(), AT))
    [recorded] = [r for r in feed.take_outbox() if r.topic != "reporting.indicators.v1"]
    assert recorded.topic == "reporting.findings.v1"
    assert json.loads(recorded.value)["origin"] == "onc"
    feed.send((change("acknowledged", "ums"), AT + dt.timedelta(days=1)))
    feed.send((change("in_progress", "ums", "instructors re-trained"), AT + dt.timedelta(days=3)))
    feed.send((change("in_progress", "ums", "second cohort done"), AT + dt.timedelta(days=9)))
    feed.send((change("closed", "onc", "pass rate 0.81 in 2026-Q2"), AT + dt.timedelta(days=20)))
    rows = [r for r in feed.take_outbox() if r.topic != "reporting.indicators.v1"]
    assert outcomes(rows) == [
        "finding.status_changed:acknowledged",
        "finding.status_changed:in_progress",
        "finding.status_changed:in_progress",
        "finding.status_changed:closed",
    ]
    finding = feed.findings()["F-1"]
    assert finding.status == "closed"
    assert feed.value("findings.median_days_to_close:2026-04:state:15") == 20.0
    assert feed.value("findings.opened:2026-03:state:15:category:pass_rate") == 1.0


def test_refused_finding_commands_are_answered_with_a_reason(feed) -> None:
    feed.send((record(), AT))
    feed.take_outbox()
    feed.send(
        record(),  # the same finding again: harmless
        record(evidence="other text"),  # same id, other content
        record("F-2", evidence="officer off_0123456789abcdef0123456789abcdef failed"),
        change("closed", "ums"),  # only ONC closes
        RespondToFinding(finding_id="F-404", status="acknowledged"),
    )
    answers = [r for r in feed.take_outbox() if r.topic != "reporting.indicators.v1"]
    assert outcomes(answers) == [
        "intake.rejected:duplicate_finding",
        "intake.rejected:invalid_request",
        "intake.rejected:invalid_transition",
        "intake.rejected:unknown_finding",
    ]
    assert set(feed.findings()) == {"F-1"}
    assert feed.findings()["F-1"].status == "open"


def test_onc_s_channel_speaks_for_onc_only(feed) -> None:
    """A status change on ONC's channel that claims to be UMS's is refused, and changes
    nothing: the actor is the channel's party, never what the message says."""
    feed.send((record(), AT))
    feed.take_outbox()
    feed.send(
        ChangeFindingStatus(finding_id="F-1", status="acknowledged", actor="ums", note="ok"),
        ChangeFindingStatus(finding_id="F-1", status="acknowledged", actor="rule", note="ok"),
    )
    answers = [r for r in feed.take_outbox() if r.topic != "reporting.indicators.v1"]
    assert outcomes(answers) == ["intake.rejected:invalid_request"] * 2
    assert "speaks for ONC" in json.loads(answers[0].value)["message"]
    assert feed.findings()["F-1"].status == "open"


def test_a_ums_response_is_recorded_as_ums_s_and_cannot_close(feed) -> None:
    feed.send((record(), AT))
    feed.take_outbox()
    feed.send(
        RespondToFinding(finding_id="F-1", status="acknowledged", note="on it"),
        RespondToFinding(finding_id="F-1", status="closed", note="done"),
    )
    rows = [r for r in feed.take_outbox() if r.topic != "reporting.indicators.v1"]
    assert outcomes(rows) == [
        "finding.status_changed:acknowledged",
        "intake.rejected:invalid_transition",
    ]
    assert json.loads(rows[0].value)["actor"] == "ums"
    assert feed.findings()["F-1"].status == "acknowledged"
