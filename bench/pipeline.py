"""The pipeline under test: the three services as processes on the catalogue's topics."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path

from convenio_chassis.http_auth import Role
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics
from convenio_contracts.topics import ENROLMENT_COURSE, ENROLMENT_OFFICER, ENROLMENT_TRAINING

from .intake import IntakeRecord
from .lag import TopicSpec
from .services import Databases, Services

V1_FEEDBACK = {"FEEDBACK_REQUIRES_ENROLMENT": "false"}
"""The synthetic data set's feedback cannot name the enrolments the enrolment service creates
(their ids are random), so the benchmark runs evaluation as for v1 clients still migrating:
only the instructor is checked (ADR 0077)."""
EXACT_FEED = {"REPORTING_DISCLOSURE_CONTROL": "none"}
"""The run reconciles the feed's enrolments with the commands sent, exactly, and the cell-key
noise (ADR 0070) would make them differ by design. What the method costs per fact (a record
key summed per cell, a table look-up per figure) is measured by `python -m bench.offline`,
which runs reporting with its default settings (the cell-key method)."""


class Pipeline:
    name = "pipeline"

    def __init__(self, bootstrap: str, workdir: Path, databases: Databases) -> None:
        self.bootstrap = bootstrap
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap)))
        self.services = Services(bootstrap, workdir, databases, env=V1_FEEDBACK | EXACT_FEED)

    def start(self) -> Pipeline:
        self.services.start()
        return self

    def stop(self) -> None:
        self.services.stop()

    @property
    def pids(self) -> dict[str, int]:
        return self.services.pids

    @property
    def groups(self) -> dict[str, list[TopicSpec]]:
        return self.services.groups

    @property
    def fact_topics(self) -> list[TopicSpec]:
        """Where enrolment's facts appear: what evaluation and reporting consume."""
        return [
            (t.name, t.partitions)
            for t in (ENROLMENT_OFFICER, ENROLMENT_COURSE, ENROLMENT_TRAINING)
        ]

    @property
    def downstream(self) -> list[str]:
        return ["reporting", "evaluation"]

    @property
    def feed_gauges(self) -> dict[str, str]:
        """Groups whose effect shows only after a timed refresh: where its gauge is read."""
        return {"reporting": f"{self.services['reporting'].url}/metrics"}

    def topic_of(self, record: IntakeRecord) -> str:
        return record.topic

    def outbox_backlog(self) -> int:
        return self.services.outbox_backlog()

    def officer_id(self, cuip: str) -> str:
        """Enrolment's pseudonym for a CUIP, as UMS systems look it up (ADR 0010)."""
        url = f"{self.services['enrolment'].url}/internal/officer-id"
        evaluator = self.services.issuer.bearer("enrolment", Role.UMS_EVALUATOR, subject="bench")
        request = urllib.request.Request(url, headers=evaluator | {"X-CUIP": cuip})
        with urllib.request.urlopen(request, timeout=10) as response:
            return str(json.loads(response.read())["officer_id"])
