"""Two transactions recomputing one officer at once (two replicas, or a handler and the
scheduler): the second waits for the first and publishes nothing twice."""

from __future__ import annotations

import datetime as dt
import threading

from evaluation import cup_record
from evaluation.scheduler import ScheduledWork

from .harness import Evaluation, certify, eligible_officer, officer_id


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
