"""One batch holding several facts and commands for the same officer ends in the same state,
and emits the same facts, as the same records handled one batch each: what a batch loads up
front (ADR 0052) never hides a write made earlier in the batch, nor survives a rollback."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import col, select

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts import CloudEvent, Event
from convenio_contracts.evaluation import ScheduleAssessment, SubmitCourseFeedback
from evaluation.adapters.repository import EvaluationRepository
from evaluation.adapters.tables import TABLES
from evaluation.handlers.intake import OFFICER_SCOPED

from .harness import (
    D,
    Evaluation,
    battery,
    certify,
    competency,
    completed,
    created,
    feedback,
    officer_id,
    performance,
    reassigned,
    record,
    registered,
    scheduled,
    trust_control,
)

ONE_BY_ONE, TOGETHER = 1, 2
"""The officer handled one record a batch, and the officer handled in a single batch."""

Script = Callable[[int], list[Event]]


def held_then_registered_then_trained(n: int) -> list[Event]:
    return [
        trust_control(n),  # held: the officer is not known yet
        competency(n, "armamento_y_tiro", evaluator="INS-404"),  # held, refused on release
        scheduled(n, "desempeno", D(2026, 6, 1)),  # held, applied on release
        registered(n),
        created(n),
        created(n, offering="UMS-FI-2019-02", on=D(2019, 7, 1)),  # re-sent, changed
        reassigned(n),
        completed(n),
        *battery(n),
        performance(n),
        trust_control(n),  # re-sent: changes nothing
        trust_control(n, approved=False),  # conflicts: refused
    ]


def registered_twice_and_reassigned(n: int) -> list[Event]:
    return [
        reassigned(n, status="activo", level="municipal"),  # names an officer not seen yet
        scheduled(n, "control_confianza", D(2026, 5, 1)),
        registered(n),  # keeps the status the reassignment gave
        reassigned(n, status="baja"),
        trust_control(n, on=D(2026, 5, 2)),
        registered(n),
    ]


@pytest.mark.parametrize(
    "script", [held_then_registered_then_trained, registered_twice_and_reassigned]
)
def test_one_batch_ends_as_one_record_a_batch_would(evaluation: Evaluation, script: Script) -> None:
    evaluation.send(certify())
    one_by_one = [record(e, i) for i, e in enumerate(script(ONE_BY_ONE))]
    facts = _comparable([f for r in one_by_one for f in evaluation.send_records(r)], ONE_BY_ONE)
    together = [record(e, i) for i, e in enumerate(script(TOGETHER))]
    assert _comparable(evaluation.send_records(*together), TOGETHER) == facts
    assert facts, "the script emits facts to compare"
    assert _state(evaluation, TOGETHER) == _state(evaluation, ONE_BY_ONE)


def test_a_record_dead_lettered_mid_batch_leaves_the_others_as_alone(
    evaluation: Evaluation,
) -> None:
    """The batch is redone with a savepoint a record; the rollback empties the memo, so the
    records after it read the database, and see what the records before it wrote."""
    poisoned = "INS-POISON"
    _raise_for(evaluation, SubmitCourseFeedback.event_type, poisoned)
    evaluation.send(certify())

    def script(n: int) -> list[Event]:
        return [
            trust_control(n),
            registered(n),
            created(n),
            feedback(instructor=poisoned),  # dead-lettered
            reassigned(n),
            completed(n),
            *battery(n),
            performance(n),
            registered(n),
        ]

    facts = _comparable([f for e in script(ONE_BY_ONE) for f in evaluation.send(e)], ONE_BY_ONE)
    assert _comparable(evaluation.send(*script(TOGETHER)), TOGETHER) == facts
    assert _state(evaluation, TOGETHER) == _state(evaluation, ONE_BY_ONE)


def test_a_held_command_failing_on_release_leaves_the_rest_of_the_batch_alone(
    evaluation: Evaluation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing(ctx: Any, uow: UnitOfWork, cmd: ScheduleAssessment) -> None:
        # the enrolment a later fact of the batch records, written here and then taken back
        phantom = created(int(cmd.officer_id.removeprefix("off_"), 16), offering="PHANTOM")
        EvaluationRepository(uow.session).know_enrolment(
            **phantom.model_dump(exclude={"requested_by"})
        )
        raise RuntimeError("the schedule cannot be applied")

    monkeypatch.setitem(OFFICER_SCOPED, ScheduleAssessment.event_type, failing)
    evaluation.send(certify())

    def script(n: int) -> list[Event]:
        return [
            trust_control(n),
            scheduled(n, "desempeno", D(2026, 6, 1)),  # held, fails on release
            registered(n),
            created(n),
            completed(n),
            reassigned(n),
        ]

    facts = _comparable([f for e in script(ONE_BY_ONE) for f in evaluation.send(e)], ONE_BY_ONE)
    assert "intake.rejected:invalid_request" in [kind for _, kind, _ in facts]
    assert _comparable(evaluation.send(*script(TOGETHER)), TOGETHER) == facts
    assert _state(evaluation, TOGETHER) == _state(evaluation, ONE_BY_ONE)


# --- helpers ----------------------------------------------------------------------------------


def _raise_for(evaluation: Evaluation, event_type: str, instructor: str) -> None:
    handler = evaluation.processor.handlers[event_type]

    def raising(uow: UnitOfWork, event: CloudEvent) -> None:
        if getattr(event.data, "instructor_id", None) == instructor:
            raise RuntimeError("poisoned")
        handler(uow, event)

    evaluation.processor.handlers[event_type] = raising


def _swap(value: Any, n: int) -> Any:
    """The officer's id (and their enrolment's) as a placeholder, so two officers' rows and
    facts compare."""
    if isinstance(value, str):
        return value.replace(officer_id(n), "OFFICER").replace(f"enr-{n}-", "enr-N-")
    if isinstance(value, dict):
        return {k: _swap(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, n) for v in value]
    return value


_PER_RUN = {"rejected_event_id", "notice_key", "original_event_id", "original_offset"}


def _comparable(facts: list[Any], n: int) -> list[tuple[str, str, Any]]:
    """Topic, kind and data of each fact, in order within its topic (the order a consumer
    sees); a rejection or a dead-letter notice names its command by ce_id (and a notice by
    offset too), which differ between the two runs."""
    return sorted(
        (
            (
                f.topic,
                f.kind,
                _swap({k: v for k, v in f.data.items() if k not in _PER_RUN}, n),
            )
            for f in facts
        ),
        key=lambda fact: fact[0],
    )


def _state(evaluation: Evaluation, n: int) -> dict[str, list[Any]]:
    """Every row of every evaluation table about the officer, without surrogate keys and
    event ids."""
    state: dict[str, list[Any]] = {}
    with evaluation.session() as session:
        for table in TABLES:
            if "officer_id" not in table.model_fields:
                continue
            query = select(table).where(col(table.officer_id) == officer_id(n))  # type: ignore[attr-defined]
            rows = [_swap(r.model_dump(exclude={"id", "event_id"}), n) for r in session.exec(query)]
            state[table.__tablename__] = sorted(rows, key=repr)  # type: ignore[attr-defined]
    return state
