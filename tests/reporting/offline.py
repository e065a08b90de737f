"""The demo story (``make run``'s) through enrolment, evaluation and reporting without a broker:
each service's real ``BatchProcessor`` on its own SQLite database, the facts one writes to its
outbox handed to the next as records, as the relay would. What comes out is everything an
outside analyst could read: every record reporting published on ``reporting.indicators.v1``,
in order (every revision), with the batch it went out in; and, for the tests only, the true
figures of the same tables (the projection's microdata, unperturbed).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import demo_story  # noqa: E402
from convenio_chassis import outbox  # noqa: E402
from convenio_chassis.runtime import Runtime  # noqa: E402
from convenio_contracts import Event, encode  # noqa: E402
from convenio_contracts.topics import Principal, subscriptions, topic_for  # noqa: E402

DAY = dt.date(2026, 11, 27)
FEED = "reporting.indicators.v1"


@dataclass
class Record:
    topic: str
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]]
    partition: int = 0
    offset: int = 0
    timestamp: int = 0


@dataclass
class Published:
    """What the attacker reads: every feed record in order, and after which batch."""

    records: list[dict[str, Any] | None] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    truth: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Cell key -> the true figure (tests only; never published)."""
    courses: dict[str, str] = field(default_factory=dict)
    """Course -> training type: the public course catalogue."""

    def latest(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for key, body in zip(self.keys, self.records, strict=True):
            if body is None:
                out.pop(key, None)
            else:
                out[key] = body
        return out


def _runtime(service: str, workdir: Path) -> Runtime:
    url = f"sqlite:///{workdir / service}.db"
    if service == "enrolment":
        from enrolment.app import definition as enrolment_definition
        from enrolment.settings import EnrolmentSettings

        enrolment_settings = EnrolmentSettings(database_url=url)
        runtime = Runtime(enrolment_definition(enrolment_settings), enrolment_settings)
    elif service == "evaluation":
        from evaluation.app import definition as evaluation_definition
        from evaluation.settings import EvaluationSettings

        evaluation_settings = EvaluationSettings(database_url=url)
        runtime = Runtime(evaluation_definition(evaluation_settings), evaluation_settings)
    else:
        from reporting.app import definition as reporting_definition
        from reporting.settings import ReportingSettings

        reporting_settings = ReportingSettings(
            database_url=url, reporting_feed_refresh_interval_s=0, finding_rules="off"
        )
        runtime = Runtime(reporting_definition(reporting_settings), reporting_settings)
    runtime.prepare_database()
    return runtime


def _records(events: Iterable[Event]) -> list[Record]:
    out = []
    for event in events:
        encoded = encode(event, source="/agency/demo")
        out.append(
            Record(topic_for(event.event_type).name, encoded.key, encoded.value, encoded.headers)
        )
    return out


def _drain(runtime: Runtime, topics: set[str]) -> list[Record]:
    out: list[Record] = []
    with runtime.sessions() as session, session.begin():
        rows = outbox.pending(session, 10**9)
        for row in rows:
            if row.topic in topics:
                out.append(Record(row.topic, row.key, row.value, row.header_list(), 0, row.id or 0))
        outbox.delete_sent(session, [(r.id, r.created_at) for r in rows])
    return out


def _feed(runtime: Runtime, records: Sequence[Record], batch: int) -> None:
    for start in range(0, len(records), batch):
        outcome = runtime.processor.process(records[start : start + batch])
        assert not outcome.dead_letters, outcome.dead_letters


def demo_feed(workdir: Path, batch: int = 50) -> Published:
    """The demo story's feed, reporting fed ``batch`` facts at a time (so that cells are
    revised as the story unfolds, as they are live)."""
    facts = demo_facts(workdir)
    reporting = _runtime("reporting", workdir)
    out = _published(reporting, facts, batch)
    reporting.engine.dispose()
    return out


def demo_facts(workdir: Path) -> list[Record]:
    """The facts enrolment and evaluation publish for the demo story, in order."""
    from enrolment.adapters.queries import officer_id_for

    story = demo_story.story(demo_story.SEED, DAY)
    runtimes = {s: _runtime(s, workdir) for s in ("enrolment", "evaluation")}
    reads = {
        "evaluation": {t.name for t in subscriptions(Principal.SVC_EVALUATION)},
        "reporting": {t.name for t in subscriptions(Principal.SVC_REPORTING)},
    }
    facts_topics = reads["evaluation"] | reads["reporting"]
    enrolment, evaluation = runtimes["enrolment"], runtimes["evaluation"]
    _feed(evaluation, _records(story.certifications), 1000)
    _feed(enrolment, _records(story.definitions + story.training.registers), 1000)
    _feed(enrolment, _records(story.closes), 1000)
    enrolment_facts = _drain(enrolment, facts_topics)
    _feed(evaluation, [r for r in enrolment_facts if r.topic in reads["evaluation"]], 1000)
    with enrolment.sessions() as session:
        ids = {o.cuip: officer_id_for(session, o.cuip) for o in story.officers}
    commands, _refused = story.evaluations({c: i for c, i in ids.items() if i})
    _feed(evaluation, _records([*commands, *story.feedback]), 1000)
    evaluation_facts = _drain(evaluation, facts_topics)
    for runtime in runtimes.values():
        runtime.engine.dispose()
    return [r for r in enrolment_facts + evaluation_facts if r.topic in reads["reporting"]]


def benchmark_facts(size: float, seed: int = 2025) -> list[Record]:
    """The benchmark data set's year (bench/dataset) as the facts enrolment publishes:
    registrations, enrolments, attendance and withdrawals, over the 125 municipalities."""
    from bench.dataset import Dataset, DatasetSpec
    from bench.dataset.facts import encoded_facts, topic_of

    dataset = Dataset(DatasetSpec(seed=seed, size=size))
    kinds = ("registration", "enrolment", "attendance", "withdrawal")
    return [
        Record(topic_of(f), f.key, f.value, f.headers)
        for f in encoded_facts(dataset.year(kinds), seed, 10**9)
    ]


def reporting_feed(
    workdir: Path, facts: Sequence[Event] | Sequence[Record], batch: int = 1000
) -> Published:
    """The feed of facts handed straight to reporting (as enrolment and evaluation would
    publish them)."""
    reporting = _runtime("reporting", workdir)
    records = [f if isinstance(f, Record) else _records([f])[0] for f in facts]
    out = _published(reporting, records, batch)
    reporting.engine.dispose()
    return out


def _published(reporting: Runtime, facts: Sequence[Record], batch: int) -> Published:
    out = Published()
    for start in range(0, len(facts), batch):
        _feed(reporting, facts[start : start + batch], batch)
        for record in _drain(reporting, {FEED}):
            out.keys.append((record.key or b"").decode())
            out.records.append(json.loads(record.value) if record.value else None)
            out.batches.append(start // batch)
    out.truth, out.courses = _truth(reporting)
    return out


def _truth(reporting: Runtime) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The true figures of every table, from the projection's microdata."""
    from sqlmodel import select

    from reporting.adapters import facts
    from reporting.adapters.tables import CourseDim
    from reporting.domain.catalogue import FAMILIES
    from reporting.domain.feed import figures
    from reporting.projection.tables import Loader, compute
    from reporting.settings import ReportingSettings

    settings = ReportingSettings(database_url="sqlite://").projection()
    truth: dict[str, dict[str, Any]] = {}
    with reporting.sessions() as session:
        span = facts.read_span(session)
        loader = Loader(session, span)
        for family in FAMILIES:
            if family == "findings":
                continue
            for year in span.years():
                table = compute(session, loader, settings, family, year)
                try:
                    shown = figures(family, table, 1, protect=False)  # type: ignore[call-arg]
                except TypeError:  # the code before cell-key perturbation: k = 1 hides nothing
                    shown = figures(family, table, 1)
                for f in shown:
                    truth[f.key] = {
                        "indicator": f.indicator,
                        "value": f.value,
                        "numerator": f.numerator,
                        "denominator": f.denominator,
                    }
        courses = {c.course_id: c.training_type for c in session.exec(select(CourseDim))}
    return truth, courses
