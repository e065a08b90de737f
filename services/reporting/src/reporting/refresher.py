"""The timed feed refresh (ADR 0051): every batch writes its facts and marks the tables they
touch; the expensive recompute and publish runs at most once per
``REPORTING_FEED_REFRESH_INTERVAL_S``, from the batch when one is due, or from a background job
when marks wait and no batch comes. 0 refreshes in every batch, as before.

``current_as_of`` is when the feed was last known up to date: the wall-clock start of the latest
completed refresh (every fact committed before it is in the feed), or the moment a check found
no mark waiting. It is served as ``convenio_feed_current_as_of_seconds`` and on ``GET
/indicators`` (``X-Feed-Current-As-Of``).
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlmodel import Session

from convenio_chassis.db import SessionFactory
from convenio_chassis.runtime import Runtime

from . import projection
from .adapters import marks

log = logging.getLogger(__name__)
CHECK_EVERY_S = 0.1
PRESSED_BATCH = 100
"""A batch of at least this many facts means facts are queuing: a consumer keeping up reads
what arrived in one batch timeout (50 ms: about 50 facts at 1,000 events/s). Only then are
refreshes spaced by their cost; otherwise idle CPU goes to a fresher feed."""
"""How often the background job looks for waiting marks (a one-row read) when idle."""


class TimedRefresh:
    def __init__(
        self,
        settings: projection.Settings,
        interval_s: float,
        clock: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
        max_share: float = 1.0,
    ) -> None:
        self.settings = settings
        self.interval_s = interval_s
        self.max_share = max_share
        """At most this share of the time goes to refreshing: a refresh that took d seconds is
        followed by d / max_share - d seconds of facts only, however short the interval."""
        self.last_duration_s = 0.0
        self.pressed = False
        """The last batch was a backlog's (``PRESSED_BATCH``)."""
        self.durations: list[float] = []
        """Refresh durations not yet observed by the metrics."""
        self._clock, self._monotonic = clock, monotonic
        self._running = threading.Lock()
        """One refresh at a time in this process; the refresh row serialises processes."""
        self._last_start: float | None = None
        self.current_as_of: float | None = None
        self.refreshes = {"batch": 0, "background": 0}
        """Completed refreshes, by who ran them."""

    def due(self) -> bool:
        last = self._last_start
        return last is None or self._monotonic() - last >= self.gap_s()

    def gap_s(self) -> float:
        """Between the starts of two refreshes. Tables grow over the year and a refresh with
        them; under a backlog, spacing refreshes by their cost keeps the facts flowing (latency
        grows instead); without one, the interval alone."""
        if self.interval_s == 0:
            return 0.0
        if not self.pressed:
            return self.interval_s
        return max(self.interval_s, self.last_duration_s / self.max_share)

    def _took(self) -> None:
        if self._last_start is not None:
            self.last_duration_s = self._monotonic() - self._last_start
            self.durations.append(self.last_duration_s)

    def after_batch(self, session: Session, source: str) -> None:
        """The chassis' after-batch hook: mark, and refresh too when one is due."""
        self.pressed = projection.record(session) >= PRESSED_BATCH
        if not self.due() or not self._running.acquire(blocking=False):
            return  # a background refresh is running: it or the next one takes these marks
        self._last_start = self._monotonic()
        started = self._clock()
        try:
            projection.refresh_marked(session, source, self.settings, started=started)
        except BaseException:
            self._running.release()
            raise
        _on_end(session, lambda committed: self._ended(started if committed else None))

    def refresh_if_due(self, sessions: SessionFactory, source: str) -> bool:
        """The background job's tick: refresh in its own transaction when marks wait and one is
        due; with none waiting, the feed is up to date now. True if it published."""
        checked = self._clock()
        with sessions() as session:
            waiting = marks.any_pending(session)
        if not waiting:
            self._advance(checked)
            return False
        if not self.due() or not self._running.acquire(blocking=False):
            return False
        try:
            self._last_start = self._monotonic()
            started = self._clock()
            with sessions() as session, session.begin():
                projection.refresh_marked(session, source, self.settings, started=started)
            self._took()
            self._advance(started)
            self.refreshes["background"] += 1
        finally:
            self._running.release()
        return True

    def _ended(self, started: float | None) -> None:
        self._took()
        if started is not None:
            self._advance(started)
            self.refreshes["batch"] += 1
        self._running.release()

    def _advance(self, moment: float) -> None:
        self.current_as_of = max(moment, self.current_as_of or moment)

    def gauge_value(self) -> float:
        return self.current_as_of if self.current_as_of is not None else math.nan

    def job(self) -> Callable[[Runtime], Awaitable[None]]:
        """The background job: ``ServiceDefinition.background``."""

        async def run(runtime: Runtime) -> None:
            registry = runtime.metrics.registry
            Gauge(
                "convenio_feed_current_as_of_seconds",
                "When the feed was last up to date (Unix time): every fact committed before "
                "it is in the feed",
                registry=registry,
            ).set_function(self.gauge_value)
            Gauge(
                "convenio_feed_refresh_interval_seconds",
                "REPORTING_FEED_REFRESH_INTERVAL_S: at most one feed refresh per interval",
                registry=registry,
            ).set(self.interval_s)
            registry.register(_RefreshCount(self))
            took = Histogram(
                "convenio_feed_refresh_seconds",
                "How long a feed refresh took (recompute, publish, commit)",
                buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32),
                registry=registry,
            )
            failures = Counter(
                "convenio_feed_refresh_failures",
                "Background feed refreshes that failed (the next tick tries again)",
                registry=registry,
            )
            source = f"/convenio/{runtime.definition.name}"
            while True:
                await asyncio.sleep(self._pause())
                try:
                    published = await anyio.to_thread.run_sync(
                        self.refresh_if_due, runtime.sessions, source
                    )
                except Exception as exc:  # the database: the next tick tries again
                    failures.inc()
                    runtime.health.set("feed_refresh", False, f"refresh failed: {exc!r}")
                    log.warning("background feed refresh failed: %r", exc)
                    continue
                runtime.health.set("feed_refresh", True)
                while self.durations:
                    took.observe(self.durations.pop())
                if published:
                    runtime.relay.wake()

        return run

    def _pause(self) -> float:
        """Until the next check: sooner only if a refresh falls due before it."""
        last = self._last_start
        if last is None:
            return CHECK_EVERY_S
        wait = self.gap_s() - (self._monotonic() - last)
        return min(CHECK_EVERY_S, wait) if wait > 0 else CHECK_EVERY_S


class _RefreshCount(Collector):
    def __init__(self, refresher: TimedRefresh) -> None:
        self._refresher = refresher

    def collect(self) -> Iterator[CounterMetricFamily]:
        family = CounterMetricFamily(
            "convenio_feed_refreshes",
            "Feed refreshes completed, by who ran them (a due batch or the background job)",
            labels=["by"],
        )
        for by, n in sorted(self._refresher.refreshes.items()):
            family.add_metric([by], n)
        yield family


def _on_end(session: Session, then: Callable[[bool], Any]) -> None:
    """Call ``then(committed)`` once, when the session's outermost transaction ends (the
    listeners stay: SQLAlchemy forbids removing them while it dispatches, and the session is
    the batch's own)."""
    state = {"committed": False, "done": False}

    def committed(_: Session) -> None:
        state["committed"] = True

    def ended(_: Session, transaction: Any) -> None:
        if transaction.parent is None and not state["done"]:
            state["done"] = True
            then(state["committed"])

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_transaction_end", ended)
