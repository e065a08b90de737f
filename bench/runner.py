"""One benchmark run: the pipeline, then the baseline on the same broker and the same records,
then the replay on a broker of its own. Each phase gets officers no other phase has touched."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import machine, reconcile
from . import profile as profiling
from . import replay as replaying
from .baseline import Baseline, topic_specs
from .broker import LocalKafka, create_topics
from .dataset import MEASURED_KINDS, Command, Dataset, DatasetSpec, OfficerSampler
from .dataset.commands import EVALUATION_KINDS
from .intake import IntakeRecord, encode_all
from .phases import Latency, System, Throughput, latency, throughput
from .pipeline import Pipeline
from .services import Databases

ROOT = Path(__file__).resolve().parents[1]
Say = Callable[[str], None]


@dataclass
class Config:
    seed: int = 2025
    size: float = 1.0
    kinds: tuple[str, ...] = MEASURED_KINDS
    events: int = 60_000
    """Commands in the throughput run."""
    loads: tuple[float, ...] = (200.0, 1000.0)
    """Offered rates, events/s, for the latency runs."""
    load_seconds: float = 30.0
    topology: str = "mirror"
    pipeline: bool = True
    baseline: bool = True
    replay_facts: int = 1_000_000
    replay_kinds: tuple[str, ...] = replaying.DEFAULT_KINDS
    replay_mode: str = "auto"
    replay_timeout_s: float = 1800.0
    postgres: str | None = None
    profile_seconds: float = 0.0
    phase_timeout_s: float = 1800.0
    workdir: Path = field(
        default_factory=lambda: ROOT / "var" / "bench" / dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    )


@dataclass
class Results:
    config: dict[str, object]
    machine: dict[str, object]
    dataset: dict[str, object]
    database: str
    throughput: list[Throughput] = field(default_factory=list)
    latency: list[Latency] = field(default_factory=list)
    replay: replaying.ReplayResult | None = None
    profiles: list[profiling.Profile] = field(default_factory=list)
    checks: dict[str, tuple[int, int]] = field(default_factory=dict)
    duration_s: float = 0.0

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @property
    def reconciled(self) -> bool:
        return all(expected == found for expected, found in self.checks.values())


class Records:
    """Numbers records across the whole run, so a trace id names exactly one record."""

    def __init__(self) -> None:
        self.run = random.randrange(1, 2**32)
        self._next = 0
        self.sent: list[IntakeRecord] = []

    def encode(
        self, commands: Sequence[Command], officer_id: Callable[[Command], str | None]
    ) -> list[IntakeRecord]:
        records = encode_all(commands, self.run, self._next, officer_id)
        self._next += len(records)
        return records


@dataclass
class Phases:
    """The officers of each phase, drawn up front so that every phase's stream is fixed."""

    throughput: list[int]
    latency: list[list[int]]
    profile: list[int]

    @classmethod
    def draw(cls, sampler: OfficerSampler, config: Config) -> Phases:
        return cls(
            throughput=sampler.take(config.events),
            latency=[sampler.take(int(rate * config.load_seconds)) for rate in config.loads],
            profile=sampler.take(config.events // 2) if config.profile_seconds else [],
        )


def run(config: Config, say: Say = print) -> Results:
    started = time.monotonic()
    config.workdir.mkdir(parents=True, exist_ok=True)
    say(f"bench: data set seed {config.seed}, size {config.size}")
    dataset = Dataset(DatasetSpec(seed=config.seed, size=config.size))
    phases = Phases.draw(dataset.sampler(config.kinds), config)
    databases = Databases(config.workdir, config.postgres)
    results = Results(
        config={k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()},
        machine=machine.describe(),
        dataset=_describe(dataset),
        database=databases.kind,
    )
    if databases.kind == "postgresql":
        results.machine["postgresql"] = databases.server_version()
    try:
        if config.pipeline or config.baseline:
            _on_the_broker(config, dataset, phases, databases, results, say)
        if config.replay_facts:
            say(f"bench: replay of {config.replay_facts:,} facts")
            results.replay = replaying.run(
                config.workdir,
                databases,
                seed=config.seed,
                facts=config.replay_facts,
                kinds=config.replay_kinds,
                mode=config.replay_mode,
                timeout_s=config.replay_timeout_s,
                say=say,
            )
            results.checks |= results.replay.checks
    finally:
        databases.drop()
    results.machine["load_average_at_end"] = machine.load_average()
    results.duration_s = round(time.monotonic() - started, 1)
    return results


def _describe(dataset: Dataset) -> dict[str, object]:
    plan = dataset.plan
    return {
        "seed": dataset.spec.seed,
        "size": dataset.spec.size,
        "year": dataset.spec.year,
        "officers": len(plan.officers),
        "serving_officers": plan.serving,
        "municipalities": len({o.municipality for o in plan.officers}),
        "offerings": len(plan.offerings),
        "enrolments": len(plan.enrolments),
    }


def _on_the_broker(
    config: Config,
    dataset: Dataset,
    phases: Phases,
    databases: Databases,
    results: Results,
    say: Say,
) -> None:
    records = Records()
    setup = records.encode(dataset.setup(), lambda _: None)
    with LocalKafka(config.workdir / "kafka") as broker:
        bench_pids = {
            "kafka broker": broker.pid or 0,
            "bench (agency)": os.getpid(),
            **databases.server_pid(),
        }
        if config.pipeline:
            pipeline = Pipeline(broker.bootstrap, config.workdir, databases).start()
            try:
                say(f"pipeline: setup ({len(setup):,} courses, offerings and instructors)")
                asyncio.run(throughput(pipeline, setup, bench_pids, config.phase_timeout_s))
                records.sent += setup
                officer_id = _pre_register(
                    config, dataset, phases, pipeline, records, bench_pids, say
                )
                streams = _streams(
                    config,
                    dataset,
                    phases,
                    records,
                    setup,
                    officer_id,
                    registered=officer_id is not None,
                )
                _measure(config, pipeline, streams, records.run, results, say, bench_pids)
                if config.profile_seconds:
                    stream = streams.pop("profile")
                    results.profiles = _profile(config, pipeline, stream, bench_pids, say)
                    records.sent += stream
                records.sent += [r for name, s in streams.items() if name != "setup" for r in s]
                reporting = pipeline.services["reporting"].url
                results.checks |= reconcile.pipeline(
                    broker.bootstrap, records.sent, records.run, reporting
                )
            finally:
                pipeline.stop()
        else:
            streams = _streams(
                config,
                dataset,
                phases,
                records,
                setup,
                _seeded_pseudonym(dataset),
                registered=False,
            )
        if config.baseline:
            streams.pop("profile", None)
            create_topics(broker.bootstrap, topic_specs())
            baseline = Baseline(broker.bootstrap, config.workdir, config.topology).start()
            try:
                _measure(config, baseline, streams, records.run, results, say, bench_pids)
                sent = sum(len(s) for s in streams.values())
                results.checks |= reconcile.baseline(broker.bootstrap, baseline.sinks(), sent)
            finally:
                baseline.stop()


OfficerIdOf = Callable[[Command], str | None]


def _seeded_pseudonym(dataset: Dataset) -> OfficerIdOf:
    """Without the pipeline nobody assigns pseudonyms: the baseline gets the data set's."""
    officers = dataset.plan.officers
    return lambda c: officers[c.officer].officer_id if c.officer is not None else None


def _streams(
    config: Config,
    dataset: Dataset,
    phases: Phases,
    records: Records,
    setup: list[IntakeRecord],
    officer_id: OfficerIdOf | None,
    *,
    registered: bool,
) -> dict[str, list[IntakeRecord]]:
    """Each phase's records, encoded once: the baseline carries the very same bytes. Officers
    ``registered`` beforehand are not registered again."""
    kinds = [k for k in config.kinds if not (registered and k == "registration")]
    resolve = officer_id or (lambda _: None)

    def stream(officers: list[int]) -> list[IntakeRecord]:
        return records.encode(list(dataset.year(kinds, officers)), resolve)

    streams = {"setup": setup, "throughput": stream(phases.throughput)}
    for rate, officers in zip(config.loads, phases.latency, strict=True):
        streams[f"latency {rate:g}/s"] = stream(officers)
    if phases.profile:
        streams["profile"] = stream(phases.profile)
    return streams


def _measure(
    config: Config,
    system: System,
    streams: dict[str, list[IntakeRecord]],
    run: int,
    results: Results,
    say: Say,
    bench_pids: dict[str, int],
) -> None:
    if system.name != "pipeline":
        say(f"{system.name}: warm-up with the setup records")
        asyncio.run(throughput(system, streams["setup"], bench_pids, config.phase_timeout_s))
    phase = streams["throughput"]
    say(f"{system.name}: throughput, {len(phase):,} events as fast as they go")
    result = asyncio.run(throughput(system, phase, bench_pids, config.phase_timeout_s))
    say(f"{system.name}: {result.events_per_s:,.0f} events/s")
    results.throughput.append(result)
    for rate in config.loads:
        phase = streams[f"latency {rate:g}/s"]
        say(f"{system.name}: latency at {rate:g} events/s offered ({len(phase):,} events)")
        measured = asyncio.run(
            latency(system, phase, rate, run, bench_pids, config.phase_timeout_s)
        )
        say(
            f"{system.name}: p99 {measured.end_to_end_ms.p99 if measured.end_to_end_ms else '-'} ms"
        )
        results.latency.append(measured)


def _pre_register(
    config: Config,
    dataset: Dataset,
    phases: Phases,
    pipeline: Pipeline,
    records: Records,
    bench_pids: dict[str, int],
    say: Say,
) -> Callable[[Command], str | None] | None:
    """Evaluation intake names officers by enrolment's pseudonym, which exists only once the
    officer is registered: register those officers first (unmeasured) and look the ids up."""
    if not EVALUATION_KINDS & set(config.kinds):
        return None
    everyone = [
        *phases.throughput,
        *(i for group in phases.latency for i in group),
        *phases.profile,
    ]
    registrations = records.encode(list(dataset.year(("registration",), everyone)), lambda _: None)
    say(f"pipeline: registering {len(registrations):,} officers evaluations will name (unmeasured)")
    asyncio.run(throughput(pipeline, registrations, bench_pids, config.phase_timeout_s))
    records.sent += registrations
    ids = {i: pipeline.officer_id(dataset.plan.officers[i].cuip) for i in everyone}
    return lambda command: ids[command.officer] if command.officer is not None else None


def _profile(
    config: Config,
    pipeline: Pipeline,
    stream: list[IntakeRecord],
    bench_pids: dict[str, int],
    say: Say,
) -> list[profiling.Profile]:
    say(f"pipeline: profiling with py-spy for {config.profile_seconds:g}s ({len(stream):,} events)")
    outputs = {name: config.workdir / f"profile-{name}.txt" for name in pipeline.pids}
    spies = {
        name: profiling.start(pid, config.profile_seconds, outputs[name])
        for name, pid in pipeline.pids.items()
    }
    asyncio.run(throughput(pipeline, stream, bench_pids, config.phase_timeout_s))
    profiles = []
    for name, spy in spies.items():
        _, errors = spy.communicate()
        if spy.returncode != 0 or not outputs[name].exists():
            say(f"py-spy on {name} failed: {errors.decode(errors='replace')[-500:]}")
            continue
        profiles.append(profiling.summarise(name, outputs[name]))
    return profiles
