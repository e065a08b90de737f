from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kafka_local import LocalKafka

from .. import agency
from ..stack import Stack
from .harness import publish
from .workload import Workload


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[LocalKafka]:
    """A fresh broker per scenario: scenarios must not see each other's offsets or facts."""
    with LocalKafka(tmp_path / "kafka") as kafka:
        yield kafka


@pytest.fixture
def workload() -> Workload:
    return Workload()


# The scenarios count every effect exactly, down to the feed's state total: reporting runs with
# its figures unprotected (ADR 0070's setting for tests), since the cell-key noise would hide
# a lost or duplicated event. What the harness checks is delivery, not disclosure control.
EXACT_FEED = {"REPORTING_DISCLOSURE_CONTROL": "none"}


def start_stack(broker: LocalKafka, workdir: Path, **env: str) -> Stack:
    return Stack(broker.bootstrap, workdir, EXACT_FEED | env).start()


@pytest.fixture
def stack(broker: LocalKafka, tmp_path: Path, workload: Workload) -> Iterator[Stack]:
    stack = start_stack(broker, tmp_path)
    prepare(stack, workload)
    yield stack
    stack.stop()


def prepare(stack: Stack, workload: Workload) -> None:
    """Publish the course and offerings, and wait until they are scheduled."""
    publish(stack.bootstrap, workload.setup())
    deadline = time.monotonic() + 60
    wanted = set(workload.offering_ids)
    while time.monotonic() < deadline:
        records = asyncio.run(agency.read_all(stack.bootstrap, "enrolment.course.v1", idle_ms=500))
        if wanted <= {json.loads(r.value).get("offering_id") for r in records}:
            return
        time.sleep(0.5)
    raise TimeoutError("offerings were not scheduled")
