"""Each scenario streams 5,000 valid intake events through the three services while a fault
strikes, then checks that every valid event took effect exactly once at every stage."""

from __future__ import annotations

import pytest

from .harness import Publisher, time_until, verify

pytestmark = [pytest.mark.connected, pytest.mark.slow, pytest.mark.faults]
RATE = 1000


def assert_exact(outcome) -> None:
    assert outcome.lost == 0, outcome
    assert outcome.duplicated == 0, outcome
    assert outcome.dead_lettered_valid == 0, outcome
    assert outcome.rejected == 0, outcome


def test_a_kill_9_each_service_in_turn(stack, workload) -> None:
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    recovery = 0.0
    for fraction, name in ((0.2, "enrolment"), (0.45, "evaluation"), (0.7, "reporting")):
        publisher.wait_for(fraction)
        stack[name].kill()
        stack[name].start()
        recovery = max(recovery, time_until(stack[name].ready))
    publisher.wait()
    outcome = verify(
        stack,
        workload,
        "a_kill_9_each_service",
        events_sent=publisher.sent,
        recovery_s=round(recovery, 1),
    )
    assert_exact(outcome)


def test_b_broker_restart_mid_stream(broker, stack, workload) -> None:
    publisher = Publisher(stack.bootstrap, workload.stream, RATE)
    publisher.start()
    publisher.wait_for(0.4)
    broker.stop()
    broker.start()
    recovery = time_until(
        lambda: all(stack[n].ready() for n in ("enrolment", "evaluation", "reporting"))
    )
    publisher.wait()
    outcome = verify(
        stack,
        workload,
        "b_broker_restart",
        events_sent=publisher.sent,
        recovery_s=round(recovery, 1),
    )
    assert_exact(outcome)


def test_e_whole_stream_delivered_three_times(stack, workload) -> None:
    stream = workload.stream * 3
    publisher = Publisher(stack.bootstrap, stream, RATE * 3)
    publisher.start()
    publisher.wait()
    outcome = verify(stack, workload, "e_stream_three_times", events_sent=publisher.sent)
    assert_exact(outcome)
