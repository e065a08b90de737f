"""The timed feed refresh (ADR 0051): batches write facts and mark tables; the recompute runs at
most once per interval, from a batch when one is due or from the background job; marks are
persisted, so a restart loses nothing; an interval of 0 refreshes every batch."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from reporting import projection
from reporting import refresher as refresher_module
from reporting.adapters import marks
from reporting.adapters.tables import FeedMark
from reporting.refresher import TimedRefresh
from reporting.replay import feed_lines

from .conftest import Feed, feed_for
from .test_revisions import enrolment, officer

D = dt.date
ENROLMENTS = "training.enrolments:2026-01:state:15"


class Clocks:
    """Wall clock and monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def wall(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now


def timed(feed: Feed, interval_s: float, clocks: Clocks, max_share: float = 1.0) -> TimedRefresh:
    """Put a timed refresh in the feed's pipeline instead of the every-batch one."""
    refresher = TimedRefresh(
        feed.settings, interval_s, clocks.wall, clocks.monotonic, max_share=max_share
    )
    feed.refresh_with(refresher.after_batch)
    return refresher


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def every_batch_feed(tmp_path: Path) -> Iterator[Feed]:
    """A reference refreshed in every batch, on its own database."""
    yield from feed_for(f"sqlite:///{tmp_path}/every-batch.db", protect=False)


def waiting(feed: Feed) -> list[tuple[str, int]]:
    with feed.session() as session:
        return [(m.family, m.year) for m in session.exec(select(FeedMark))]


def test_a_batch_within_the_interval_only_marks_and_the_background_job_publishes(
    feed: Feed, clocks: Clocks
) -> None:
    refresher = timed(feed, 1.0, clocks)
    feed.send(officer(1), enrolment(1, D(2026, 1, 10)))  # never refreshed: due at once
    assert feed.value(ENROLMENTS) == 1
    assert refresher.current_as_of == clocks.now
    first = clocks.now

    clocks.now += 0.5
    feed.send(officer(2), enrolment(2, D(2026, 1, 11)))
    assert feed.value(ENROLMENTS) == 1, "within the interval the feed waits"
    assert ("enrolment", 2026) in waiting(feed)
    assert not refresher.refresh_if_due(feed.sessions, "/convenio/reporting")
    assert refresher.current_as_of == first

    clocks.now += 0.5
    assert refresher.refresh_if_due(feed.sessions, "/convenio/reporting")
    assert feed.value(ENROLMENTS) == 2
    assert waiting(feed) == []
    assert refresher.current_as_of == clocks.now


def test_a_due_batch_refreshes_everything_marked_before_it(feed: Feed, clocks: Clocks) -> None:
    timed(feed, 1.0, clocks)
    feed.send(officer(1), enrolment(1, D(2026, 1, 10)))
    clocks.now += 0.2
    feed.send(officer(2), enrolment(2, D(2026, 1, 11)))
    clocks.now += 1.0
    feed.send(officer(3), enrolment(3, D(2026, 1, 12)))
    assert feed.value(ENROLMENTS) == 3
    assert waiting(feed) == []


def test_with_nothing_waiting_the_feed_is_current_as_of_the_check(
    feed: Feed, clocks: Clocks
) -> None:
    refresher = timed(feed, 1.0, clocks)
    assert refresher.current_as_of is None
    clocks.now += 7
    assert not refresher.refresh_if_due(feed.sessions, "/convenio/reporting")
    assert refresher.current_as_of == clocks.now


def test_marks_left_by_a_stopped_service_are_refreshed_after_a_restart(
    feed: Feed, clocks: Clocks
) -> None:
    timed(feed, 1.0, clocks)
    feed.send(officer(1), enrolment(1, D(2026, 1, 10)))
    clocks.now += 0.1
    feed.send(officer(2), enrolment(2, D(2026, 1, 11)))
    assert waiting(feed)

    restarted = TimedRefresh(feed.settings, 1.0, clocks.wall, clocks.monotonic)
    assert restarted.refresh_if_due(feed.sessions, "/convenio/reporting")
    assert feed.value(ENROLMENTS) == 2
    assert waiting(feed) == []


def test_interval_zero_refreshes_in_every_batch(feed: Feed, clocks: Clocks) -> None:
    refresher = timed(feed, 0.0, clocks)
    for i in range(1, 4):
        feed.send(officer(i), enrolment(i, D(2026, 1, 10)))
        assert feed.value(ENROLMENTS) == i
        assert waiting(feed) == []
    assert refresher.refreshes == {"batch": 3, "background": 0}


def test_a_mark_set_again_while_a_refresh_ran_survives_it(feed: Feed) -> None:
    feed.send(officer(1), enrolment(1, D(2026, 1, 10)))
    with feed.session() as session, session.begin():
        marks.add(session, {("enrolment", 2026): {}})
        read = marks.pending(session)
        marks.add(session, {("enrolment", 2026): {}})  # a later batch's new token
        marks.clear(session, read)
    assert waiting(feed) == [("enrolment", 2026)]


def test_a_timed_feed_ends_with_the_content_of_one_refreshed_every_batch(
    every_batch_feed: Feed, feed: Feed, clocks: Clocks
) -> None:
    refresher = timed(feed, 1.0, clocks)
    batches = [
        [officer(i, 15106 + i % 3, ("mujer", "hombre")[i % 2]) for i in range(12)],
        [enrolment(i, D(2026, 1 + i % 5, 10)) for i in range(12)],
        [enrolment(i, D(2025, 11, 3)) for i in range(12, 14)],
        [officer(i) for i in range(12, 14)],
    ]
    for batch in batches:
        every_batch_feed.send(*batch)
        feed.send(*batch)
        clocks.now += 0.3
    clocks.now += 1
    refresher.refresh_if_due(feed.sessions, "/convenio/reporting")
    with every_batch_feed.session() as every, feed.session() as timed_:
        assert feed_lines(every) == feed_lines(timed_)
        assert feed_lines(every)


def test_the_replay_path_keeps_no_marks(feed: Feed) -> None:
    feed.send(officer(1), enrolment(1, D(2026, 1, 10)))
    with feed.session() as session, session.begin():
        projection.refresh(session, "/replay", feed.settings, publish=False, everything=True)
    assert waiting(feed) == []


def test_a_slow_refresh_spaces_the_next_by_its_cost(
    feed: Feed, clocks: Clocks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With at most a quarter of the time refreshing, a refresh that took 2 s is followed by
    6 s of facts only, although the interval is 1 s; a quick one brings the interval back."""
    refresher = timed(feed, 1.0, clocks, max_share=0.25)
    original = projection.refresh_marked

    def slow_refresh(*args, **kwargs):  # type: ignore[no-untyped-def]
        clocks.now += 2.0
        return original(*args, **kwargs)

    monkeypatch.setattr(projection, "refresh_marked", slow_refresh)
    monkeypatch.setattr(refresher_module, "PRESSED_BATCH", 1)  # a backlog, in small
    feed.send(officer(1), enrolment(1, D(2026, 1, 10)))  # due at once: refreshed in the batch
    assert refresher.last_duration_s == 2.0
    assert refresher.gap_s() == 8.0
    refresher.pressed = False
    assert refresher.gap_s() == 1.0, "no backlog: idle CPU goes to a fresher feed"
    refresher.pressed = True

    monkeypatch.setattr(projection, "refresh_marked", original)
    clocks.now += 5.9  # 7.9 s after the slow refresh began
    feed.send(officer(2), enrolment(2, D(2026, 1, 11)))
    assert feed.value(ENROLMENTS) == 1, "not due yet: the feed waits"
    clocks.now += 0.1
    assert refresher.refresh_if_due(feed.sessions, "/convenio/reporting")
    assert feed.value(ENROLMENTS) == 2
    assert refresher.gap_s() == 1.0, "a quick refresh: the interval again"
