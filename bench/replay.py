"""Replay: rebuild reporting's projection from a history of N fact events.

On a broker of its own, the facts a data set's year would produce (by default officer
registrations and enrolments, what reporting's projection reads today) are published with the
contracts' ``encode()``. Then reporting rebuilds from offset zero, in one of two ways:

- ``service``: a fresh reporting service (new database, the catalogue's consumer group with no
  offsets on this broker) consumes the history; timed from its launch until its group has no
  lag and its outbox (the republished feed) is empty.
- ``command``: reporting's replay command, ``python -m reporting.replay`` (when the installed
  reporting has one), timed from launch to exit.

``auto`` picks the command when it exists.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aiokafka import AIOKafkaProducer

from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics
from convenio_contracts import OutgoingRecord

from .broker import LocalKafka
from .dataset import Dataset, DatasetSpec
from .dataset.facts import FACT_OF, encoded_facts, topic_of
from .feed import enrolments_in_state_years, state_year_enrolments
from .lag import LagProbe, NotQuiet, watch_until_quiet
from .procstats import ProcessUsage, UsageMeter
from .services import Databases, Services, consumed_topics

DEFAULT_KINDS = ("registration", "enrolment")
ROOT = Path(__file__).resolve().parents[1]
MODES = ("auto", "service", "command")


@dataclass
class ReplayResult:
    mode: str
    facts: int
    kinds: dict[str, int]
    dataset_size: float
    publish_s: float
    elapsed_s: float
    replayed: int
    events_per_s: float
    complete: bool
    usage: dict[str, ProcessUsage]
    progress: list[tuple[float, int]] = field(default_factory=list)
    """(seconds, facts replayed) along the way: shows whether the rate holds up."""
    checks: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Rebuilt:
    elapsed_s: float
    replayed: int
    complete: bool
    usage: dict[str, ProcessUsage]
    progress: list[tuple[float, int]] = field(default_factory=list)
    checks: dict[str, tuple[int, int]] = field(default_factory=dict)


def command_available() -> bool:
    return importlib.util.find_spec("reporting.replay") is not None


def history(seed: int, facts: int, kinds: tuple[str, ...]) -> Dataset:
    """A data set large enough to hold ``facts`` facts of ``kinds``."""
    unknown = set(kinds) - set(FACT_OF)
    if unknown:
        raise ValueError(f"a replay is made of {', '.join(FACT_OF)}; not {sorted(unknown)}")
    probe = Dataset(DatasetSpec(seed=seed, size=0.02))
    per_size = _held(probe, kinds) / 0.02
    size = max(0.002, facts / per_size * 1.02)
    while True:
        dataset = Dataset(DatasetSpec(seed=seed, size=round(size, 4)))
        if _held(dataset, kinds) >= facts:
            return dataset
        size *= 1.05


def _held(dataset: Dataset, kinds: tuple[str, ...]) -> int:
    return sum(dataset.events_of(i, kinds) for i in range(len(dataset.plan.officers)))


async def publish(bootstrap: str, records: Iterator[OutgoingRecord]) -> Counter[str]:
    """Publish the history as enrolment's relay would; count the facts of each type."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=512 * 1024,
    )
    await producer.start()
    sent: Counter[str] = Counter()
    try:
        deliveries = []
        for record in records:
            sent[dict(record.headers)["ce_type"].decode()] += 1
            deliveries.append(
                await producer.send(
                    topic_of(record), record.value, key=record.key, headers=record.headers
                )
            )
            if len(deliveries) >= 20_000:
                await asyncio.gather(*deliveries)
                deliveries.clear()
        await asyncio.gather(*deliveries)
    finally:
        await producer.stop()
    return sent


def run(
    workdir: Path,
    databases: Databases,
    *,
    seed: int,
    facts: int,
    kinds: tuple[str, ...] = DEFAULT_KINDS,
    mode: str = "auto",
    timeout_s: float = 1800,
    say: Callable[[str], None] = print,
) -> ReplayResult:
    if mode == "auto":
        mode = "command" if command_available() else "service"
    dataset = history(seed, facts, kinds)
    with LocalKafka(workdir / "kafka-replay") as broker:
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap)))
        say(f"replay: publishing {facts:,} facts (data set size {dataset.spec.size})")
        started = time.monotonic()
        sent = asyncio.run(
            publish(broker.bootstrap, encoded_facts(dataset.year(kinds), seed, facts))
        )
        publish_s = time.monotonic() - started
        per_kind = {kind: sent[f"mx.convenio.enrolment.{FACT_OF[kind]}.v1"] for kind in kinds}
        say(f"replay: published in {publish_s:.0f}s; rebuilding by {mode}")
        if mode == "service":
            rebuilt = _by_service(broker.bootstrap, workdir, databases, timeout_s)
        else:
            rebuilt = _by_command(broker.bootstrap, workdir, databases, timeout_s)
    if rebuilt.complete:
        rebuilt.checks.setdefault("replay: facts replayed", (sum(sent.values()), rebuilt.replayed))
        feed = rebuilt.checks.pop("feed", (0, 0))[1]
        rebuilt.checks["replay: feed's enrolments in the state's year cells"] = (
            per_kind.get("enrolment", 0),
            feed,
        )
    return ReplayResult(
        mode=mode,
        facts=sum(sent.values()),
        kinds=per_kind,
        dataset_size=dataset.spec.size,
        publish_s=round(publish_s, 1),
        elapsed_s=round(rebuilt.elapsed_s, 1),
        replayed=rebuilt.replayed,
        events_per_s=round(rebuilt.replayed / rebuilt.elapsed_s, 1),
        complete=rebuilt.complete,
        usage=rebuilt.usage,
        progress=rebuilt.progress,
        checks=rebuilt.checks,
    )


def _by_service(bootstrap: str, workdir: Path, databases: Databases, timeout_s: float) -> Rebuilt:
    groups = {"reporting": consumed_topics("reporting")}

    async def rebuild() -> Rebuilt:
        async with LagProbe(bootstrap, groups) as probe:
            total = sum((await probe.ends()).values())
            services = Services(
                bootstrap, workdir, databases, names=("reporting",), label="replay", env=EXACT
            )
            started = time.monotonic()
            await asyncio.to_thread(services.start)
            meter = UsageMeter.of({**services.pids, **databases.server_pid()})
            meter.start()
            done: asyncio.Future[object] = asyncio.get_running_loop().create_future()
            done.set_result(None)
            try:
                drain = await watch_until_quiet(
                    probe,
                    services.outbox_backlog,
                    started,
                    published=done,
                    timeout_s=timeout_s,
                    every_s=1.0,
                )
                complete, samples = True, drain.samples
                elapsed = (drain.quiet_at or time.monotonic()) - started
            except NotQuiet as timeout:
                complete, samples = False, timeout.drain.samples
                elapsed = time.monotonic() - started
            usage = await meter.stop()
            replayed = await probe.consumed("reporting")
            # Unfinished is slow, not wrong: a replay that ran out of time is not reconciled.
            checks = {}
            if complete:
                checks["replay: facts replayed"] = (total, replayed)
                checks["feed"] = (0, state_year_enrolments(services["reporting"].url))
            services.stop()
        step = max(1, len(samples) // 8)
        progress = [(t, total - lag["reporting"]) for t, lag, _ in samples[::step]]
        return Rebuilt(elapsed, replayed, complete, usage, progress, checks)

    return asyncio.run(rebuild())


EXACT = {"REPORTING_DISCLOSURE_CONTROL": "none"}
"""The replay reconciles the feed's enrolments with the facts sent, exactly: the cell-key noise
(ADR 0070) would make them differ by design. Its cost per fact is measured by `python -m
bench.offline`, which runs reporting with its default settings (the cell-key method)."""


def _by_command(bootstrap: str, workdir: Path, databases: Databases, timeout_s: float) -> Rebuilt:
    output = workdir / "replay" / "indicators.jsonl"
    output.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "reporting.replay",
        "--database-url",
        databases.create("replay_command"),
        "--output",
        str(output),
        "--bootstrap-servers",
        bootstrap,
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    try:
        done = subprocess.run(
            command,
            cwd=ROOT,
            env=os.environ | EXACT,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return Rebuilt(time.monotonic() - started, 0, False, {})
    elapsed = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"replayed (\d+) records", done.stdout)
    if done.returncode != 0 or not found:
        raise RuntimeError(f"reporting.replay failed ({done.returncode}):\n{done.stderr[-2000:]}")
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    usage = {"reporting.replay": ProcessUsage(round(cpu, 2), 0.0, round(after.ru_maxrss / 1024, 1))}
    cells = [json.loads(line) for line in output.read_text().splitlines() if line]
    feed = {"feed": (0, enrolments_in_state_years(cells))}
    return Rebuilt(elapsed, int(found.group(1)), True, usage, checks=feed)
