"""The publisher CLI against the real broker and the enrolment service, as an academy runs
it: the roster and the offering from JSONL, the enrolments, then an attendance register CSV
of 5,000 rows (and 10 rows for sessions the offering lacks). The summary reconciles with the
facts the service published and the refusals it sent; a second run publishes nothing, and a
forced re-send (no ledger) changes nothing in the service, whose inbox knows every ce_id.
The 50,000-row run is the benchmark ``python -m bench.publisher_import``."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench import register
from convenio_chassis.process import ServiceProcess
from convenio_chassis.settings import KafkaSettings
from convenio_contracts.topics import CONSUMER_GROUPS, Principal, topic_for
from convenio_contracts.topics import topic as catalogue_topic

from ..agency import Watcher

pytestmark = [pytest.mark.connected, pytest.mark.slow]

OFFICERS, SESSIONS, UNKNOWN = 100, 50, 10
ATTENDANCE = topic_for("mx.convenio.enrolment.attendance.record.v1").name
FACTS = topic_for("mx.convenio.enrolment.attendance.recorded.v1").name
REJECTIONS = topic_for("mx.convenio.enrolment.intake.rejected.v1").name


def run_cli(*args: str, bootstrap: str) -> subprocess.CompletedProcess[str]:
    """The CLI as a separate process, as an academy's script runs it."""
    return subprocess.run(
        [sys.executable, "-m", "convenio_publisher", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={"KAFKA_BOOTSTRAP_SERVERS": bootstrap, "PATH": "/usr/bin:/bin"},
        check=False,
    )


def convenio(*args: str, bootstrap: str) -> tuple[int, dict[str, Any], str]:
    """Run the CLI; its --json summary when it printed one."""
    result = run_cli(*args, bootstrap=bootstrap)
    try:
        summary = json.loads(result.stdout)
    except ValueError:
        summary = {}
    return result.returncode, summary, result.stdout + result.stderr


@pytest.fixture(scope="module")
def service(private_kafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    from convenio_chassis.topics_admin import ensure_topics

    asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=private_kafka.bootstrap)))
    workdir = Path(tmp_path_factory.mktemp("enrolment"))
    process = ServiceProcess(
        "enrolment",
        {
            "KAFKA_BOOTSTRAP_SERVERS": private_kafka.bootstrap,
            "DATABASE_URL": f"sqlite:///{workdir}/enrolment.db",
            "LOG_FORMAT": "json",
        },
        workdir / "enrolment.log",
    )
    process.start().wait_ready()
    try:
        yield process
    finally:
        process.stop()


async def caught_up(bootstrap: str, topic: str, timeout_s: float = 90.0) -> None:
    """Wait until the enrolment consumer group committed every record of ``topic``."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await probe.start()
    try:
        # The topics were created from the catalogue, with its partition counts.
        partitions = [TopicPartition(topic, p) for p in range(catalogue_topic(topic).partitions)]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while True:
            ends = await probe.end_offsets(partitions)
            group = CONSUMER_GROUPS[Principal.SVC_ENROLMENT]
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            if all(committed.get(tp) and committed[tp].offset >= ends[tp] for tp in partitions):
                return
            assert loop.time() < deadline, f"enrolment never caught up on {topic}"
            await asyncio.sleep(0.5)
    finally:
        await probe.stop()
        await admin.close()


async def drain(watcher: Watcher, quiet_s: float) -> None:
    """Read what the topics hold until ``quiet_s`` pass with nothing new (the relay's last
    facts of a caught-up consumer)."""
    while batch := await watcher.consumer.getmany(timeout_ms=int(quiet_s * 1000)):
        for part in batch.values():
            watcher.records.extend(part)


async def test_an_attendance_register_through_the_cli(
    service: ServiceProcess, private_kafka, tmp_path: Path
) -> None:
    bootstrap = private_kafka.bootstrap
    source = ("--source", register.SOURCE, "--wait", "3", "--json")
    roster = register.write_jsonl(tmp_path / "roster.jsonl", register.setup(OFFICERS, SESSIONS))
    enrol = register.write_jsonl(tmp_path / "enrol.jsonl", register.enrolments(OFFICERS))
    csv_file = register.write_attendance(tmp_path / "asistencia.csv", OFFICERS, SESSIONS, UNKNOWN)

    async with Watcher(
        bootstrap,
        FACTS,
        REJECTIONS,
        topic_for("mx.convenio.enrolment.officer.registered.v1").name,
        topic_for("mx.convenio.enrolment.offering.scheduled.v1").name,
    ) as watcher:

        def count(suffix: str) -> int:
            return sum(v for k, v in watcher.summary().items() if k.endswith(suffix))

        rc, summary, text = convenio("publish", str(roster), *source, bootstrap=bootstrap)
        assert (rc, summary["published"]) == (0, OFFICERS + 2), text
        await watcher.until(
            "the roster",
            lambda w: (
                count(".officer.registered.v1") == OFFICERS and count(".offering.scheduled.v1") == 1
            ),
        )
        rc, summary, text = convenio("publish", str(enrol), *source, bootstrap=bootstrap)
        assert (rc, summary["published"], summary["refused"]) == (0, OFFICERS, 0), text
        await watcher.until("the enrolments", lambda w: count(".enrolment.created.v1") == OFFICERS)

        rc, summary, text = convenio(
            "publish",
            str(csv_file),
            "--type",
            "attendance.record",
            *source[:2],
            "--wait",
            "20",
            "--json",
            bootstrap=bootstrap,
        )
        rows = OFFICERS * SESSIONS + UNKNOWN
        assert rc == 4, text  # published, and some records refused
        assert (summary["records"], summary["published"]) == (rows, rows)
        assert summary["refused_by_reason"] == {"unknown_session": UNKNOWN}
        assert summary["dead_lettered"] == 0, "validated records are never dead-lettered"
        await caught_up(bootstrap, ATTENDANCE)
        await watcher.until(
            "the register",
            lambda w: (
                count(".attendance.recorded.v1") == summary["accepted_so_far"]
                and count(".intake.rejected.v1") >= UNKNOWN
            ),
        )
        assert count(".attendance.recorded.v1") == OFFICERS * SESSIONS == summary["accepted_so_far"]

        # The same file again: the ledger says everything is already published.
        rc, again, text = convenio(
            "publish", str(csv_file), "--type", "attendance.record", *source, bootstrap=bootstrap
        )
        assert (rc, again["published"], again["skipped_already_published"]) == (0, 0, rows), text

        # Forced without the ledger: every record re-sent with the same ce_id, none accepted twice.
        rc, forced, text = convenio(
            "publish",
            str(csv_file),
            "--type",
            "attendance.record",
            "--no-ledger",
            *source,
            bootstrap=bootstrap,
        )
        assert forced["published"] == rows, text
        await caught_up(bootstrap, ATTENDANCE)
        await drain(watcher, quiet_s=3.0)
        assert count(".attendance.recorded.v1") == OFFICERS * SESSIONS
        assert count(".intake.rejected.v1") == UNKNOWN

    # The caller's own refusals, by ledger.
    ledger = tmp_path / "asistencia.csv.published"
    listed = run_cli(
        "rejections", "--since", "1h", "--ledger", str(ledger), "--json", bootstrap=bootstrap
    )
    assert listed.returncode == 0, listed.stderr
    refusals = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(refusals) == UNKNOWN
    assert {r["reason"] for r in refusals} == {"unknown_session"}
