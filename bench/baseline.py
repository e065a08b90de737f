"""The baseline: the pipeline's three consume-produce hops with nothing but aiokafka.

Three processes, one per service they stand in for, each with its own consumer group, reading
and writing topics with the catalogue's partition counts and configuration, forwarding every
record's key, value and headers unchanged. Consumer batches and the producer are configured as
the services' are (chassis settings and producer factory), and each hop commits its offsets only
after the records it produced are acknowledged: at least once, like the services, without a
database, an inbox or an outbox.

Topologies:

- ``mirror`` (default): the pipeline's own shape. The enrolment twin turns intake into facts;
  the evaluation and reporting twins both read the facts, each producing its own output.
- ``chain``: the three hops in series (intake -> facts -> assessment -> indicators).

``python -m bench.baseline hop --bootstrap B --group G --source S --sink T --ready FILE`` runs
one hop.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from aiokafka import AIOKafkaConsumer

from convenio_chassis.kafka import make_producer
from convenio_chassis.settings import ConsumerSettings, KafkaSettings
from convenio_contracts.topics import (
    ENROLMENT_INTAKE,
    ENROLMENT_TRAINING,
    EVALUATION_ASSESSMENT,
    REPORTING_INDICATORS,
    Topic,
)

from .intake import IntakeRecord
from .lag import TopicSpec

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "bench.baseline."
TOPICS: dict[str, Topic] = {
    "intake": ENROLMENT_INTAKE,
    "facts": ENROLMENT_TRAINING,
    "assessment": EVALUATION_ASSESSMENT,
    "indicators": REPORTING_INDICATORS,
}
"""Each baseline topic and the catalogue topic whose partitions and configuration it copies."""


@dataclass(frozen=True)
class Hop:
    twin: str
    source: str
    sink: str

    @property
    def group(self) -> str:
        return f"baseline-{self.twin}"


TOPOLOGIES = {
    "mirror": (
        Hop("enrolment", "intake", "facts"),
        Hop("evaluation", "facts", "assessment"),
        Hop("reporting", "facts", "indicators"),
    ),
    "chain": (
        Hop("enrolment", "intake", "facts"),
        Hop("evaluation", "facts", "assessment"),
        Hop("reporting", "assessment", "indicators"),
    ),
}


def topic_name(role: str) -> str:
    return PREFIX + role


def topic_specs() -> list[tuple[str, Topic]]:
    return [(topic_name(role), catalogued) for role, catalogued in TOPICS.items()]


class Baseline:
    """The three hop processes, started and stopped together."""

    def __init__(self, bootstrap: str, workdir: Path, topology: str = "mirror") -> None:
        self.name = f"baseline ({topology})"
        self.bootstrap, self.workdir, self.topology = bootstrap, workdir, topology
        self.hops = TOPOLOGIES[topology]
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, timeout_s: float = 60) -> Baseline:
        logs = self.workdir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for hop in self.hops:
            ready = self.workdir / f"{hop.group}.ready"
            ready.unlink(missing_ok=True)
            with (logs / f"{hop.group}.log").open("ab") as log:
                self.procs[hop.twin] = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "bench.baseline",
                        "hop",
                        "--bootstrap",
                        self.bootstrap,
                        "--group",
                        hop.group,
                        "--source",
                        topic_name(hop.source),
                        "--sink",
                        topic_name(hop.sink),
                        "--ready",
                        str(ready),
                    ],
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        deadline = time.monotonic() + timeout_s
        for hop in self.hops:
            while not (self.workdir / f"{hop.group}.ready").exists():
                if self.procs[hop.twin].poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"baseline hop {hop.group} did not start; see its log")
                time.sleep(0.1)
        return self

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    @property
    def pids(self) -> dict[str, int]:
        return {f"{twin} twin": proc.pid for twin, proc in self.procs.items()}

    @property
    def groups(self) -> dict[str, list[TopicSpec]]:
        return {
            hop.group: [(topic_name(hop.source), TOPICS[hop.source].partitions)]
            for hop in self.hops
        }

    def group_of(self, twin: str) -> str:
        return f"baseline-{twin}"

    @property
    def fact_topics(self) -> list[TopicSpec]:
        """Where the reporting twin's input appears: the effect is visible once it commits."""
        source = next(h.source for h in self.hops if h.twin == "reporting")
        return [(topic_name(source), TOPICS[source].partitions)]

    @property
    def downstream(self) -> list[str]:
        """The twins reading the reporting twin's input: in a chain, the evaluation twin reads
        an earlier topic and is not followed."""
        source = next(h.source for h in self.hops if h.twin == "reporting")
        return [
            h.group
            for h in sorted(self.hops, key=lambda h: h.twin != "reporting")
            if h.source == source
        ]

    def topic_of(self, record: IntakeRecord) -> str:
        return topic_name("intake")

    def outbox_backlog(self) -> int:
        return 0

    def sinks(self) -> list[TopicSpec]:
        return [(topic_name(h.sink), TOPICS[h.sink].partitions) for h in self.hops]


async def run_hop(bootstrap: str, group: str, source: str, sink: str, ready: Path) -> None:
    settings = ConsumerSettings()
    consumer = AIOKafkaConsumer(
        source,
        bootstrap_servers=bootstrap,
        group_id=group,
        client_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=settings.max_batch,
    )
    producer = make_producer(KafkaSettings(bootstrap_servers=bootstrap), client_id=f"{group}-out")
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    await consumer.start()
    await producer.start()
    announced = False
    try:
        while not stopping.is_set():
            batch = await consumer.getmany(
                timeout_ms=settings.batch_timeout_ms, max_records=settings.max_batch
            )
            if consumer.assignment() and not announced:
                ready.write_bytes(b"")  # noqa: ASYNC240 - once, a few bytes
                announced = True
            records = [r for part in batch.values() for r in part]
            if not records:
                continue
            deliveries = [
                await producer.send(sink, r.value, key=r.key, headers=list(r.headers))
                for r in records
            ]
            await asyncio.gather(*deliveries)
            await consumer.commit()
    finally:
        await consumer.stop()
        await producer.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    hop = sub.add_parser("hop", help="run one consume-produce hop until SIGTERM")
    for option in ("--bootstrap", "--group", "--source", "--sink"):
        hop.add_argument(option, required=True)
    hop.add_argument("--ready", type=Path, required=True, help="touched once partitions arrive")
    args = parser.parse_args(argv)
    asyncio.run(run_hop(args.bootstrap, args.group, args.source, args.sink, args.ready))


if __name__ == "__main__":
    main()
