"""The timed feed refresh on the real broker (ADR 0051): facts that arrive while a refresh is
not due reach the feed after the interval with no further traffic (the background job)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from .. import agency
from ..stack import Stack, running_stack
from . import scenario
from .test_onc_feed import cells, eventually, metric

pytestmark = pytest.mark.connected
INTERVAL_S = 10
"""Long enough that the second batch surely arrives within it, so only the job can show it."""


def handled(stack: Stack, n: int) -> None:
    assert eventually(lambda: metric(stack, "convenio_records_handled_total") >= n)


def test_facts_reach_the_feed_after_the_interval_without_further_traffic(
    private_kafka, tmp_path: Path
) -> None:
    env = {"reporting": {"REPORTING_FEED_REFRESH_INTERVAL_S": str(INTERVAL_S)}}
    with running_stack(
        private_kafka.bootstrap, tmp_path, services=("reporting",), service_env=env
    ) as stack:
        first = scenario.definitions()
        asyncio.run(agency.send(stack.bootstrap, *first))
        handled(stack, len(first))
        shown = time.time()
        assert eventually(lambda: metric(stack, "convenio_feed_current_as_of_seconds") >= shown)
        before = cells(stack)

        training = scenario.training()
        asyncio.run(agency.send(stack.bootstrap, *training))
        handled(stack, len(first) + len(training))
        assert not any(k.startswith("training.enrolments:") for k in before)

        def enrolments_shown() -> bool:
            return any(k.startswith("training.enrolments:") for k in cells(stack))

        assert eventually(enrolments_shown, timeout=INTERVAL_S + 60)
        assert metric(stack, 'convenio_feed_refreshes_total{by="background"}') >= 1
