"""The kcat recipe of docs/integration.md, run line for line with Debian's kcat on the real
broker against the enrolment and reporting services: every command it sends is either
accepted (no dead letter, facts follow) or refused with a reason code the guide documents."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from convenio_chassis.process import ServiceProcess
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics
from convenio_contracts import guide
from convenio_contracts.rejections import REJECTION_BY_SERVICE
from convenio_contracts.topics import (
    CATALOGUE,
    CONSUMER_GROUPS,
    dlq_topic_name,
    topic,
    topic_for,
)
from convenio_deploy import tools

pytestmark = [pytest.mark.connected, pytest.mark.slow]

INTAKES = [topic(n) for n in sorted({topic_for(t).name for t in guide.publishable()})]
REJECTIONS = sorted({topic_for(c.event_type).name for c in REJECTION_BY_SERVICE.values()})


def recipe() -> str:
    text = guide.GUIDE.read_text()
    section = re.search(r"<!-- generated:kcat -->\n```sh\n(.*?)```\n<!-- end:kcat -->", text, re.S)
    assert section, "docs/integration.md has no kcat recipe"
    return section[1]


@pytest.fixture(scope="module")
def services(private_kafka, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=private_kafka.bootstrap)))
    workdir = Path(tmp_path_factory.mktemp("services"))
    owners = sorted({CONSUMER_GROUPS[t.owner] for t in INTAKES})
    running = [
        ServiceProcess(
            name,
            {
                "KAFKA_BOOTSTRAP_SERVERS": private_kafka.bootstrap,
                "DATABASE_URL": f"sqlite:///{workdir}/{name}.db",
                "LOG_FORMAT": "json",
            },
            workdir / f"{name}.log",
        )
        for name in owners
    ]
    for process in running:
        process.start()
    for process in running:
        process.wait_ready()
    try:
        yield
    finally:
        for process in running:
            process.stop()


async def read_all(bootstrap: str, *topics: str, quiet_ms: int = 1500) -> list[Any]:
    consumer = AIOKafkaConsumer(
        *topics, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    out: list[Any] = []
    try:
        while batch := await consumer.getmany(timeout_ms=quiet_ms):
            for part in batch.values():
                out.extend(part)
    finally:
        await consumer.stop()
    return out


async def caught_up(bootstrap: str, timeout_s: float = 60.0) -> None:
    """Every intake topic fully committed by its owner's consumer group."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await admin.start()
    await probe.start()
    try:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        for intake in INTAKES:
            tps = [TopicPartition(intake.name, p) for p in range(intake.partitions)]
            while True:
                ends = await probe.end_offsets(tps)
                done = await admin.list_consumer_group_offsets(
                    CONSUMER_GROUPS[intake.owner], partitions=tps
                )
                if all(done.get(tp) and done[tp].offset >= ends[tp] for tp in tps):
                    break
                assert loop.time() < deadline, f"{intake.name} never consumed"
                await asyncio.sleep(0.3)
    finally:
        await probe.stop()
        await admin.close()


def ce_id(record: Any) -> str:
    return str(dict(record.headers)["ce_id"].decode())


async def test_every_kcat_command_of_the_guide_is_a_fact_or_a_documented_rejection(
    services: None, private_kafka, tmp_path: Path
) -> None:
    bootstrap = private_kafka.bootstrap
    kcat = tools.kcat_path()
    assert kcat.exists(), f"{kcat} is missing: run `make setup` (install-tools unpacks kcat)"
    (tmp_path / "client.properties").write_text(f"bootstrap.servers={bootstrap}\n")
    env = tools.kcat_environment()
    env["PATH"] = f"{kcat.parent}{os.pathsep}{env.get('PATH', '')}"
    result = await asyncio.to_thread(
        subprocess.run,
        ["bash", "-euo", "pipefail", "-c", recipe()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr

    sent = await read_all(bootstrap, *(t.name for t in INTAKES))
    assert sorted(dict(r.headers)["ce_type"].decode() for r in sent) == sorted(guide.publishable())
    await caught_up(bootstrap)
    ours = {ce_id(r) for r in sent}

    refusals = {
        body["rejected_event_id"]: body["reason"]
        for r in await read_all(bootstrap, *REJECTIONS)
        if (body := json.loads(r.value))["rejected_event_id"] in ours
    }
    documented = set(re.findall(r"^\| `([a-z_]+)` \| rejection \|", guide.GUIDE.read_text(), re.M))
    assert set(refusals.values()) <= documented

    dead_letter_topics = [dlq_topic_name(CONSUMER_GROUPS[t.owner], t.name) for t in INTAKES]
    dead = [r for r in await read_all(bootstrap, *dead_letter_topics) if ce_id(r) in ours]
    assert dead == []

    accepted = len(ours) - len(refusals)
    fact_topics = [t.name for t in CATALOGUE if t not in INTAKES and t.name not in REJECTIONS]
    facts = await read_all(bootstrap, *fact_topics)
    assert accepted >= 1
    assert len(facts) >= accepted, (refusals, [dict(f.headers)["ce_type"] for f in facts])
