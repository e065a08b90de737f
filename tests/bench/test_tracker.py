"""The latency tracker reads reporting's feed gauge (ADR 0051)."""

from __future__ import annotations

import math

from bench.tracker import current_as_of_in


def test_the_tracker_reads_the_feed_gauge_and_treats_unknown_as_never() -> None:
    page = (
        "# HELP convenio_feed_current_as_of_seconds When the feed was last up to date\n"
        "# TYPE convenio_feed_current_as_of_seconds gauge\n"
        "convenio_feed_current_as_of_seconds 1.8e+09\n"
    )
    assert current_as_of_in(page) == 1.8e9
    assert current_as_of_in("convenio_feed_current_as_of_seconds NaN\n") == -math.inf
    assert current_as_of_in("") == -math.inf
