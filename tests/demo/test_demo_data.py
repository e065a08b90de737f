"""``make run``'s demo story: it passes the contracts and the services' rules as written, is the
same for the same seed and day, and shows every kind of thing the system does. Then, on the
real broker, the whole stack takes it with no refusal but the one it intends, and no dead
letter, and the CUP and the ONC feed show what the story says they should."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import demo
import demo_story
from convenio_chassis.http_auth import Role
from convenio_chassis.local_issuer import audience_of
from convenio_chassis.process import http_get_json
from convenio_contracts import Event, decode, encode
from convenio_contracts.enrolment import (
    CloseOffering,
    PublishCourse,
    RecordAttendance,
    RegisterOfficer,
    RequestEnrolment,
    ScheduleOffering,
    VoidAttendance,
    WithdrawEnrolment,
)
from convenio_contracts.evaluation import (
    CertifyInstructor,
    ImportTrustControlResult,
    RecordCompetencyResult,
    RecordPerformanceResult,
    ScheduleAssessment,
    SubmitCourseFeedback,
)
from convenio_contracts.reporting import ChangeFindingStatus, RecordFinding, RespondToFinding
from convenio_contracts.topics import dead_letter_topics, topic_for
from reporting.domain.findings import identity_in
from reporting.domain.perturbation import possible

from .. import agency
from ..polling import eventually as _eventually
from ..stack import Stack, running_stack

DAY = dt.date(2026, 11, 27)
STORY = demo_story.story(demo_story.SEED, DAY)


def pseudonyms(story: demo_story.Story) -> dict[str, str]:
    """Stand-ins for the pseudonyms the enrolment service would draw."""
    return {o.cuip: f"off_{hashlib.md5(o.cuip.encode()).hexdigest()}" for o in story.officers}


def everything(story: demo_story.Story) -> list[Event]:
    commands, refused = story.evaluations(pseudonyms(story))
    return [
        *story.enrolment_intake(),
        *story.certifications,
        *commands,
        *refused,
        *story.feedback,
        *story.findings,
    ]


def as_json(events: list[Event]) -> list[str]:
    return [f"{e.event_type} {e.model_dump_json()}" for e in events]


# --- the story, without a broker -------------------------------------------------------------


def test_every_command_passes_its_contract_as_a_service_decodes_it() -> None:
    for event in everything(STORY):
        record = encode(event, source="/agency/test")
        decoded = decode(record.value, record.headers)
        assert decoded.data == event
        assert topic_for(event.event_type).name.endswith("intake.v1")


def test_the_same_seed_and_day_tell_the_same_story() -> None:
    again = demo_story.story(demo_story.SEED, DAY)
    assert as_json(everything(again)) == as_json(everything(STORY))
    assert again.eligible == STORY.eligible
    other = demo_story.story(demo_story.SEED + 1, DAY)
    assert as_json(everything(other)) != as_json(everything(STORY))


@pytest.mark.parametrize("day", [dt.date(2028, 2, 29), dt.date(2027, 1, 1)])
def test_any_day_tells_a_story_whose_dates_are_all_past(day: dt.date) -> None:
    story = demo_story.story(demo_story.SEED, day)
    assert story.eligible
    dates = [
        value
        for e in everything(story)
        for name, value in e
        if isinstance(value, dt.date) and name not in ("valid_until", "due_on")
    ]
    assert dates
    assert max(dates) < day


def test_every_kind_of_intake_is_in_the_story() -> None:
    kinds = {type(e) for e in everything(STORY)}
    assert kinds >= {
        RegisterOfficer,
        PublishCourse,
        ScheduleOffering,
        RequestEnrolment,
        RecordAttendance,
        VoidAttendance,
        WithdrawEnrolment,
        CloseOffering,
        CertifyInstructor,
        RecordCompetencyResult,
        RecordPerformanceResult,
        ImportTrustControlResult,
        ScheduleAssessment,
        SubmitCourseFeedback,
        RecordFinding,
        ChangeFindingStatus,
        RespondToFinding,
    }
    marks = {m.status for m in STORY.training.of(RecordAttendance)}
    assert marks == {"present", "late", "justified", "absent"}
    courses = [e for e in STORY.definitions if isinstance(e, PublishCourse)]
    assert {c.training_type for c in courses} == {"formacion_inicial_equivalente", "actualizacion"}
    assert all(c.planned_theory_hours > 0 and c.planned_practice_hours > 0 for c in courses)


def test_the_cast_fills_some_cells_and_leaves_one_municipality_too_small() -> None:
    officers = STORY.officers
    per_place = Counter(o.municipality for o in officers)
    assert {o.sex for o in officers} == {"hombre", "mujer"}
    assert {o.level for o in officers} == {"estatal", "municipal"}
    assert sum(n >= 10 for n in per_place.values()) >= 4
    assert [code for code, n in per_place.items() if n < 5] == [15116]
    assert min(Counter((o.level, o.sex) for o in officers).values()) >= 4


def test_each_officers_commands_come_in_the_order_the_service_needs() -> None:
    """Officer commands share the CUIP as key, so this order is the order they are applied."""
    assert {type(e) for e in STORY.definitions} == {PublishCourse, ScheduleOffering}
    assert {type(e) for e in STORY.closes} == {CloseOffering}
    by_officer: dict[str, list[Event]] = defaultdict(list)
    for e in STORY.training.registers:
        by_officer[e.model_dump()["cuip"]].append(e)
    assert len(by_officer) == len(STORY.officers)
    for cuip, events in by_officer.items():
        kinds = [type(e) for e in events]
        assert kinds[:2] == [RegisterOfficer, RequestEnrolment], cuip
        if WithdrawEnrolment in kinds:
            assert kinds[-1] is WithdrawEnrolment, "no mark after a withdrawal"
        if VoidAttendance in kinds:
            void = kinds.index(VoidAttendance)
            assert kinds[void + 1 :] == [RecordAttendance], "the correction follows its void"


def test_sessions_fit_their_offering_and_their_course_plan() -> None:
    courses = {c.course_id: c for c in STORY.definitions if isinstance(c, PublishCourse)}
    for offering in (o for o in STORY.definitions if isinstance(o, ScheduleOffering)):
        course = courses[offering.course_id]
        assert all(offering.starts_on <= s.date <= offering.ends_on for s in offering.sessions)
        assert len({s.session_id for s in offering.sessions}) == len(offering.sessions)
        minutes = Counter()
        for s in offering.sessions:
            minutes[s.session_type.value] += s.planned_minutes
        assert minutes["teoria"] / 60 == course.planned_theory_hours
        assert minutes["practica"] / 60 == course.planned_practice_hours
        enrolled = sum(
            isinstance(e, RequestEnrolment) and e.offering_id == offering.offering_id
            for e in STORY.training.registers
        )
        assert 0 < enrolled <= offering.capacity


def attendance_rates(story: demo_story.Story) -> dict[tuple[str, str], float]:
    """ADR 0010's rule, applied to the current marks: present, late or justified sessions over
    the planned ones."""
    planned = {
        o.offering_id: len(o.sessions) for o in story.definitions if isinstance(o, ScheduleOffering)
    }
    current: dict[tuple[str, str, str], str] = {}
    for e in story.training.registers:
        if isinstance(e, RecordAttendance):
            current[(e.cuip, e.offering_id, e.session_id)] = e.status.value
        elif isinstance(e, VoidAttendance):
            del current[(e.cuip, e.offering_id, e.session_id)]
    attended: Counter[tuple[str, str]] = Counter()
    for (cuip, offering, _), status in current.items():
        attended[(cuip, offering)] += status in ("present", "late", "justified")
    return {(c, o): n / planned[o] for (c, o), n in attended.items()}


def test_the_registers_complete_and_fail_the_officers_the_story_says() -> None:
    training = STORY.training
    rates = attendance_rates(STORY)
    for offering, cuips in training.completed.items():
        assert cuips, offering
        assert all(rates[(c, offering)] >= 0.8 for c in cuips), offering
    for offering, cuips in training.failed.items():
        assert all(rates[(c, offering)] < 0.8 for c in cuips), offering
    assert sum(len(f) for f in training.failed.values()) >= 3
    assert sum(len(w) for w in training.withdrawn.values()) == 1
    assert training.corrected == 1


def test_every_result_names_an_evaluator_certified_for_it_that_day_but_one() -> None:
    certified = {
        (c.instructor_id, competency): (c.valid_from, c.valid_until)
        for c in STORY.certifications
        if isinstance(c, CertifyInstructor)
        for competency in c.competencies
    }
    commands, refused = STORY.evaluations(pseudonyms(STORY))

    def covered(r: RecordCompetencyResult) -> bool:
        period = certified.get((r.evaluator_id, r.competency))
        return period is not None and period[0] <= r.evaluated_on <= period[1]

    results = [c for c in commands if isinstance(c, RecordCompetencyResult)]
    assert all(covered(r) for r in results)
    assert {r.competency for r in results} == set(demo_story.COMPETENCIES_2020)
    assert [covered(r) for r in refused] == [False]
    assert demo_story.INTENDED_REJECTION == "uncertified_evaluator"


def test_some_officers_become_eligible_for_the_cup_and_some_do_not() -> None:
    completed_fi = STORY.training.completed[demo_story.OFFERINGS[0].offering_id]
    assert STORY.eligible < completed_fi
    assert len(STORY.eligible) >= 5


def test_findings_carry_aggregates_only() -> None:
    for finding in (f for f in STORY.findings if isinstance(f, RecordFinding)):
        assert identity_in(f"{finding.title}\n{finding.evidence}") is None
    for change in (
        f for f in STORY.findings if isinstance(f, ChangeFindingStatus | RespondToFinding)
    ):
        assert identity_in(change.note) is None


# --- the story on the real stack ---------------------------------------------------------------

FAMILIES = {
    "training",
    "competency",
    "performance",
    "cup",
    "expiry",
    "cascade",
    "instructors",
    "feedback",
    "findings",
}


def eventually(probe: Callable[[], Any], timeout: float = 120.0) -> Any:
    return _eventually(probe, timeout, 0.5)


@pytest.fixture(scope="module")
def told(private_kafka, tmp_path_factory) -> Iterator[tuple[Stack, demo.Outcome]]:
    workdir = Path(tmp_path_factory.mktemp("demo"))
    with running_stack(private_kafka.bootstrap, workdir) as stack:
        token = stack.issuer.token(
            "demo", [Role.UMS_EVALUATOR], [audience_of("enrolment"), audience_of("evaluation")]
        )
        outcome = asyncio.run(demo.publish(stack.bootstrap, stack["enrolment"].url, token))
        yield stack, outcome


@pytest.mark.connected
@pytest.mark.slow
def test_the_stack_takes_the_whole_story_refusing_only_what_it_means_to(told) -> None:
    stack, outcome = told
    rejections = asyncio.run(agency.read_all(stack.bootstrap, "intake.rejections.v1"))
    reasons = [json.loads(r.value)["reason"] for r in rejections]
    assert reasons == [demo_story.INTENDED_REJECTION]
    held = asyncio.run(agency.records_held(stack.bootstrap, dead_letter_topics()))
    assert not {t: n for t, n in held.items() if n}, "dead letters"
    counts = outcome.counts()
    assert (counts["completed"], counts["failed"]) == (
        sum(len(c) for c in outcome.story.training.completed.values()),
        sum(len(f) for f in outcome.story.training.failed.values()),
    )


@pytest.mark.connected
@pytest.mark.slow
def test_evaluation_finds_eligible_exactly_the_officers_the_story_expects(told) -> None:
    stack, outcome = told
    evaluation = stack["evaluation"].url
    coordinator = stack.issuer.bearer("evaluation", Role.UMS_COORDINATOR)
    eligible = {
        officer_id
        for officer_id in outcome.officer_ids.values()
        if http_get_json(f"{evaluation}/officers/{officer_id}/cup", headers=coordinator)["eligible"]
    }
    assert eligible == {outcome.officer_ids[c] for c in outcome.story.eligible}
    assert eligible


@pytest.mark.connected
@pytest.mark.slow
def test_the_onc_feed_shows_every_family_and_withholds_small_cells(told) -> None:
    stack, outcome = told
    reporting = stack["reporting"].url
    month = f"{outcome.story.today:%Y-%m}"
    key = f"cup.eligibility:{month}:state:15"

    def settled() -> dict[str, dict[str, Any]] | None:
        cells = {c["cell_key"]: c for c in http_get_json(f"{reporting}/indicators")}
        cell = cells.get(key)
        shown = cell["numerator"] if cell else None  # perturbed (ADR 0070)
        return cells if shown is not None and len(outcome.eligible) in possible(shown) else None

    cells = eventually(settled)
    assert cells, f"{key} never counted {len(outcome.eligible)} eligible officers"
    published = {c["indicator"].split(".")[0] for c in cells.values() if not c["suppressed"]}
    assert published >= FAMILIES
    small = [c for c in cells.values() if c["geography"] == "municipality:15116"]
    assert small
    assert any(c["suppressed"] for c in small)
    for c in small:  # 3 officers: every count perturbed, never shown as 1 to 4
        counts = [c["numerator"], c["denominator"]] if not c["suppressed"] else []
        assert not [n for n in counts if n is not None and 0 < n < 5], c
    assert not cells[f"training.enrolments:{month}:state:15"]["suppressed"]
    findings = {f["finding_id"]: f["status"] for f in http_get_json(f"{reporting}/findings")}
    assert findings["ONC-2026-001"] == "in_progress"
    assert findings["ONC-2026-002"] == "closed"
