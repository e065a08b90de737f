"""Two transactions recomputing one officer at once (two replicas, or a handler and the
scheduler): the second waits for the first and publishes nothing twice."""

from __future__ import annotations

import datetime as dt
import threading

from evaluation import cup_record
from evaluation.adapters.repository import EvaluationRepository
from evaluation.adapters.tables import ComponentResultRow
from evaluation.domain.policy import Policy
from evaluation.scheduler import ScheduledWork

from .harness import (
    EVALUATED,
    Evaluation,
    Today,
    certify,
    eligible_officer,
    evaluation_on,
    officer_id,
)


def test_a_lapse_computed_twice_at_once_is_published_once(evaluation: Evaluation) -> None:
    evaluation.send(certify(), *eligible_officer(1))
    day = dt.date(2029, 2, 17)
    emitted: dict[str, int] = {}

    def lapse(name: str, hold: threading.Event | None = None) -> None:
        with evaluation.sessions() as session, session.begin():
            work = ScheduledWork(session, "/test")
            cup_record.refresh(work, officer_id(1), evaluation.policy, day, cup_record.EXPIRY)
            emitted[name] = work.emitted
            if hold is not None:
                hold.wait()  # commit only when told, with the other transaction waiting

    release = threading.Event()
    first = threading.Thread(target=lapse, args=("first", release))
    first.start()
    while "first" not in emitted and first.is_alive():
        first.join(0.01)
    second = threading.Thread(target=lapse, args=("second",))
    second.start()
    second.join(0.5)  # the second has reached the officer's lock, or is still on its way
    release.set()
    first.join()
    second.join()
    assert emitted == {"first": 4, "second": 0}  # three lapses and the eligibility flip, once
    assert len(evaluation.drain()) == 4


def test_an_officer_whose_cup_another_batch_creates_first_is_read_again_behind_it(
    postgres_url: str,
) -> None:
    """A batch loads an officer with no CUP yet (nothing to lock); another transaction then
    creates the CUP with a result of its own. Recomputing waits for it, and starts from what
    it committed, not from what was loaded before."""
    with evaluation_on(postgres_url, Today(EVALUATED), Policy()) as evaluation:
        officer = officer_id(5)
        first_published = threading.Event()
        release = threading.Event()
        emitted: dict[str, int] = {}

        def first() -> None:
            with evaluation.sessions() as session, session.begin():
                work = ScheduledWork(session, "/first")
                EvaluationRepository(session).add(_c3(officer, EVALUATED, passed=False))
                cup_record.refresh(work, officer, evaluation.policy, EVALUATED, "first")
                emitted["first"] = work.emitted
                first_published.set()
                release.wait()

        def second() -> None:
            with evaluation.sessions() as session, session.begin():
                repo = EvaluationRepository(session)
                repo.prefetch_cups([officer], [])  # loaded before the CUP exists
                first_published.wait()
                work = ScheduledWork(session, "/second")
                later = EVALUATED + dt.timedelta(days=1)
                repo.add(_c3(officer, later, passed=True))
                cup_record.refresh(work, officer, evaluation.policy, later, "second")
                emitted["second"] = work.emitted

        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        first_published.wait()
        threads[1].join(0.5)  # the second has reached the officer's CUP, or is on its way
        release.set()
        for thread in threads:
            thread.join()
        c3 = [f.data for f in evaluation.drain() if f.data.get("component") == "C3"]
        assert [c["source"] for c in c3] == ["first", "second"]
        assert c3[1]["previous_status"] == c3[0]["status"] != "sin_evaluacion"
        assert emitted["first"] >= 1
        assert emitted["second"] >= 1


def _c3(officer: str, on: dt.date, *, passed: bool) -> ComponentResultRow:
    return ComponentResultRow(
        officer_id=officer,
        component="C3",
        source_key=on.isoformat(),
        passed=passed,
        evaluated_on=on,
    )
