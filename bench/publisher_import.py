"""``python -m bench.publisher_import``: an attendance register of 50,000 rows bulk-imported
through the publisher CLI (``convenio publish``) into a fresh local broker and a real
enrolment service, the way an academy would run it. Prints numbers, asserts none of them;
exits 1 only when the counts do not reconcile (docs/performance.md).

Measured: the CLI's whole run (reading and validating the CSV, publishing, acks), its own
publishing rate, the service's time to absorb the register, and a second run (the ledger
skips everything) and a forced re-send (the inbox dedups every ce_id).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from convenio_chassis.process import ServiceProcess
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics
from convenio_contracts.topics import CONSUMER_GROUPS, Principal, topic_for
from convenio_contracts.topics import topic as catalogue_topic

from . import register
from .broker import LocalKafka

INTAKE = topic_for("mx.convenio.enrolment.attendance.record.v1").name
FACTS = topic_for("mx.convenio.enrolment.attendance.recorded.v1").name


def cli(bootstrap: str, *args: str) -> tuple[dict[str, Any], float, int]:
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "convenio_publisher", "publish", *args, "--json"],
        capture_output=True,
        text=True,
        env={"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    elapsed = time.perf_counter() - started
    if result.returncode not in (0, 4):
        raise SystemExit(f"convenio publish failed ({result.returncode}):\n{result.stderr}")
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary, elapsed, result.returncode


async def caught_up(bootstrap: str, topic: str, timeout_s: float = 900.0) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await probe.start()
    try:
        # The topics were created from the catalogue, with its partition counts.
        partitions = [TopicPartition(topic, p) for p in range(catalogue_topic(topic).partitions)]
        deadline = time.monotonic() + timeout_s
        group = CONSUMER_GROUPS[Principal.SVC_ENROLMENT]
        while time.monotonic() < deadline:
            ends = await probe.end_offsets(partitions)
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            if all(committed.get(tp) and committed[tp].offset >= ends[tp] for tp in partitions):
                return
            await asyncio.sleep(0.25)
        raise SystemExit(f"enrolment never caught up on {topic}")
    finally:
        await probe.stop()
        await admin.close()


async def count_types(bootstrap: str, topic: str, quiet_ms: int = 3000) -> dict[str, int]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    counts: dict[str, int] = {}
    try:
        while batch := await consumer.getmany(timeout_ms=quiet_ms, max_records=10_000):
            for part in batch.values():
                for r in part:
                    ce_type = dict(r.headers).get("ce_type", b"?").decode()
                    counts[ce_type] = counts.get(ce_type, 0) + 1
    finally:
        await consumer.stop()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.publisher_import")
    parser.add_argument("--officers", type=int, default=500)
    parser.add_argument("--sessions", type=int, default=100)
    parser.add_argument("--unknown", type=int, default=10, help="rows for unknown sessions")
    args = parser.parse_args(argv)
    rows = args.officers * args.sessions + args.unknown
    with tempfile.TemporaryDirectory(prefix="convenio-import-") as scratch:
        work = Path(scratch)
        with LocalKafka(work / "kafka") as broker:
            bootstrap = broker.bootstrap
            asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap)))
            service = ServiceProcess(
                "enrolment",
                {
                    "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                    "DATABASE_URL": f"sqlite:///{work}/enrolment.db",
                    "LOG_FORMAT": "json",
                },
                work / "enrolment.log",
            )
            service.start().wait_ready()
            try:
                source = ("--source", register.SOURCE, "--wait", "0")
                setup = register.setup(args.officers, args.sessions)
                cli(bootstrap, str(register.write_jsonl(work / "roster.jsonl", setup)), *source)
                asyncio.run(caught_up(bootstrap, INTAKE))
                enrol = register.enrolments(args.officers)
                cli(bootstrap, str(register.write_jsonl(work / "enrol.jsonl", enrol)), *source)
                asyncio.run(caught_up(bootstrap, INTAKE))
                csv_file = register.write_attendance(
                    work / "asistencia.csv", args.officers, args.sessions, args.unknown
                )
                typed = ("--type", "attendance.record", "--source", register.SOURCE)
                started = time.perf_counter()
                first, first_s, _ = cli(bootstrap, str(csv_file), *typed, "--wait", "0")
                asyncio.run(caught_up(bootstrap, INTAKE))
                absorbed_s = time.perf_counter() - started
                second, second_s, _ = cli(bootstrap, str(csv_file), *typed, "--wait", "0")
                forced, forced_s, _ = cli(
                    bootstrap, str(csv_file), *typed, "--no-ledger", "--wait", "5"
                )
                asyncio.run(caught_up(bootstrap, INTAKE))
                facts = asyncio.run(count_types(bootstrap, FACTS))
                refusals = asyncio.run(
                    count_types(
                        bootstrap, topic_for("mx.convenio.enrolment.intake.rejected.v1").name
                    )
                )
            finally:
                service.stop()
    recorded = facts.get("mx.convenio.enrolment.attendance.recorded.v1", 0)
    refused = sum(refusals.values())
    results = {
        "rows": rows,
        "cli_total_seconds": round(first_s, 2),
        "cli_rows_per_second": round(rows / first_s),
        "publish_rows_per_second": first["records_per_second"],
        "service_absorbed_seconds": round(absorbed_s, 2),
        "service_rows_per_second": round(rows / absorbed_s),
        "second_run_published": second["published"],
        "second_run_seconds": round(second_s, 2),
        "forced_resend_published": forced["published"],
        "forced_resend_seconds": round(forced_s, 2),
        "attendance_recorded_facts": recorded,
        "refusals": refused,
    }
    print(json.dumps(results, indent=2))
    reconciles = (
        first["published"] == rows
        and second["published"] == 0
        and recorded == args.officers * args.sessions
        and refused == args.unknown
    )
    print("reconciles" if reconciles else "DOES NOT RECONCILE", file=sys.stderr)
    return 0 if reconciles else 1


if __name__ == "__main__":
    sys.exit(main())
