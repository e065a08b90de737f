"""``python -m reporting.replay``: rebuild every projection from the fact topics, from offset
zero, into fresh tables, and write the resulting feed to a file instead of publishing it.

    python -m reporting.replay --database-url sqlite:///var/replay.db \\
        --output var/replay/indicators.jsonl --findings-output var/replay/findings.jsonl \\
        [--verify-feed]

It reads every fact topic reporting may read, plus ``reporting.findings.v1`` (the findings'
own log: analysts' findings exist nowhere else once the intake's retention has passed), up to
the end offsets it saw when it started. Facts are written in bulk and the feed is computed once
at the end. ``--verify-feed`` then compares the result with the live feed's latest state
(``reporting.indicators.v1``, compacted) and exits 1 on any difference.

The files hold one cell (or finding) per line as canonical JSON, sorted, without ``revision``:
revisions count publications of one deployment, and a rebuilt projection starts at 1 (see
docs/adr/0011-reporting-projection-and-revisions.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from sqlalchemy import func
from sqlmodel import Session, col, select

from convenio_chassis import migrations
from convenio_chassis.consumer import UnitOfWork
from convenio_chassis.db import make_engine, session_factory
from convenio_chassis.kafka import client_kwargs
from convenio_chassis.settings import KafkaSettings
from convenio_contracts import EnvelopeError, decode
from convenio_contracts.topics import (
    REPORTING_FINDINGS,
    REPORTING_INDICATORS,
    REPORTING_INTAKE,
    REPORTING_RESPONSES,
    Principal,
    subscriptions,
    topic,
)

from . import projection
from .adapters import facts
from .adapters.tables import FindingChange, FindingRow, OfficerDim, PublishedCell
from .entrypoints.http import finding_views
from .handlers import REPLAY_HANDLERS
from .settings import ReportingSettings

log = logging.getLogger("reporting.replay")
SOURCE = "/convenio/reporting/replay"
FLUSH_EVERY = 20_000


def replay_topics() -> list[str]:
    intake = {REPORTING_INTAKE.name, REPORTING_RESPONSES.name}
    facts_ = [t.name for t in subscriptions(Principal.SVC_REPORTING) if t.name not in intake]
    return [*facts_, REPORTING_FINDINGS.name]


def canonical(record: dict[str, Any]) -> str:
    """A feed record as the comparison sees it: sorted keys, no revision, no spaces."""
    body = {k: v for k, v in record.items() if k != "revision"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass
class Stats:
    records: int = 0
    applied: int = 0
    duplicates: int = 0
    invalid: int = 0
    ignored: int = 0
    seconds: float = 0.0
    by_topic: dict[str, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


async def _end_offsets(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> dict[Any, int]:
    """Assign every partition (the catalogue says how many) from the start; return where each
    ends now, so the replay is of a fixed history."""
    partitions = [TopicPartition(t, p) for t in topics for p in range(topic(t).partitions)]
    consumer.assign(partitions)
    await consumer.seek_to_beginning(*partitions)
    ends: dict[Any, int] = await consumer.end_offsets(partitions)
    return {tp: end for tp, end in ends.items() if end > 0}


async def _consumer(kafka: KafkaSettings) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=8 * 1024 * 1024,
        fetch_max_bytes=64 * 1024 * 1024,
        **client_kwargs(kafka),
    )
    await consumer.start()
    return consumer


async def ingest(session: Session, kafka: KafkaSettings, stats: Stats) -> None:
    """Apply every record up to the end offsets seen at the start."""
    consumer = await _consumer(kafka)
    seen: set[str] = set()
    pending = 0
    try:
        remaining = await _end_offsets(consumer, replay_topics())
        while remaining:
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for tp, records in batches.items():
                end = remaining.get(tp)
                for record in records:
                    if end is None or record.offset >= end:
                        continue
                    stats.records += 1
                    stats.by_topic[tp.topic] = stats.by_topic.get(tp.topic, 0) + 1
                    _apply(session, record, seen, stats)
                    pending += 1
                if end is not None and records and records[-1].offset >= end - 1:
                    remaining.pop(tp, None)
            if pending >= FLUSH_EVERY:
                facts.flush(session, facts.take(session), track=False)
                session.commit()
                pending = 0
    finally:
        await consumer.stop()


def _apply(session: Session, record: Any, seen: set[str], stats: Stats) -> None:
    try:
        event = decode(record.value, record.headers or ())
    except EnvelopeError as exc:
        stats.invalid += 1
        log.debug(
            "skipped an invalid record at %s[%s]@%s: %s",
            record.topic,
            record.partition,
            record.offset,
            exc,
        )
        return
    if event.id in seen:
        stats.duplicates += 1
        return
    seen.add(event.id)
    handler = REPLAY_HANDLERS.get(event.type)
    if handler is None:
        stats.ignored += 1
        return
    handler(UnitOfWork(session, SOURCE, event, "reporting"), event)
    stats.applied += 1


def feed_lines(session: Session) -> list[str]:
    query = select(PublishedCell).where(col(PublishedCell.withdrawn).is_(False))
    cells = (projection.to_event(row.model_dump()) for row in session.exec(query))
    return sorted(canonical(c.model_dump(mode="json")) for c in cells)


def findings_lines(session: Session) -> list[str]:
    views = finding_views(session, list(session.exec(select(FindingRow))))
    return sorted(canonical(v.model_dump(mode="json")) for v in views)


async def live_feed_lines(kafka: KafkaSettings) -> list[str]:
    """The live feed's latest state per key, as a compacted read gives it."""
    consumer = await _consumer(kafka)
    latest: dict[bytes, bytes | None] = {}
    try:
        remaining = await _end_offsets(consumer, [REPORTING_INDICATORS.name])
        while remaining:
            for tp, records in (await consumer.getmany(timeout_ms=1000)).items():
                end = remaining.get(tp, 0)
                for r in records:
                    if r.offset < end:
                        latest[r.key] = r.value
                if records and records[-1].offset >= end - 1:
                    remaining.pop(tp, None)
    finally:
        await consumer.stop()
    return sorted(canonical(json.loads(v)) for v in latest.values() if v is not None)


def _is_fresh(session: Session) -> bool:
    return all(
        session.exec(select(func.count()).select_from(t)).one() == 0
        for t in (OfficerDim, PublishedCell, FindingRow, FindingChange)
    )


class NotFresh(Exception):
    """Replays go into fresh tables only."""


@dataclass
class Result:
    stats: Stats
    ingest_seconds: float
    tables: int
    cells: list[str]
    findings: list[str]


def replay(database_url: str, settings: ReportingSettings, kafka: KafkaSettings) -> Result:
    """Rebuild every projection into ``database_url`` (fresh) and return the feed it makes."""
    engine = make_engine(database_url)
    # The same schema the live service migrates to, so the rebuilt database can take over.
    migrations.upgrade(engine, "reporting")
    stats = Stats()
    try:
        with session_factory(engine)() as session:
            if not _is_fresh(session):
                raise NotFresh(f"{database_url} is not empty; replay into fresh tables")
            started = time.perf_counter()
            asyncio.run(ingest(session, kafka, stats))
            ingested = time.perf_counter() - started
            outcome = projection.refresh(
                session, SOURCE, settings.projection(), publish=False, everything=True
            )
            session.commit()
            stats.seconds = time.perf_counter() - started
            return Result(
                stats, ingested, outcome.tables, feed_lines(session), findings_lines(session)
            )
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> int:
    settings = ReportingSettings()
    kafka = settings.kafka
    if args.bootstrap_servers:
        kafka = kafka.model_copy(update={"bootstrap_servers": args.bootstrap_servers})
    try:
        result = replay(args.database_url, settings, kafka)
    except NotFresh as exc:
        print(f"refusing: {exc}", file=sys.stderr)
        return 2
    stats, cells, findings, ingested = (
        result.stats,
        result.cells,
        result.findings,
        result.ingest_seconds,
    )
    _write(args.output, cells)
    if args.findings_output:
        _write(args.findings_output, findings)
    print(
        f"replayed {stats.records} records ({stats.applied} applied, {stats.duplicates} "
        f"duplicates, {stats.invalid} invalid, {stats.ignored} ignored) in {stats.seconds:.2f}s: "
        f"{stats.rate:.0f} records/s (ingest {ingested:.2f}s, {result.tables} tables); "
        f"{len(cells)} cells, {len(findings)} findings"
    )
    if args.verify_feed:
        live = asyncio.run(live_feed_lines(kafka))
        if live != cells:
            missing, extra = set(live) - set(cells), set(cells) - set(live)
            print(
                f"DIFFERENT from the live feed: {len(missing)} live cells not rebuilt, "
                f"{len(extra)} rebuilt cells not live",
                file=sys.stderr,
            )
            for line in sorted(missing)[:5]:
                print(f"  live only:    {line}", file=sys.stderr)
            for line in sorted(extra)[:5]:
                print(f"  rebuilt only: {line}", file=sys.stderr)
            return 1
        print(f"identical to the live feed ({len(live)} cells)")
    return 0


def _write(path: Path, lines: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reporting.replay",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--database-url", required=True, help="fresh database for the rebuild")
    parser.add_argument("--output", type=Path, required=True, help="indicators, JSON lines")
    parser.add_argument("--findings-output", type=Path, help="findings, JSON lines")
    parser.add_argument("--bootstrap-servers", help="default: KAFKA_BOOTSTRAP_SERVERS")
    parser.add_argument(
        "--verify-feed",
        action="store_true",
        help="compare with the live feed's latest state; exit 1 if different",
    )
    logging.basicConfig(level=logging.WARNING)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
