"""The local secure broker keeps its secrets: no password on any command line (what ``ps`` shows
every user of the machine), none in a file others may read, and no anonymous super user on the
controller listener."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from convenio_chassis.acl_admin import sync_acls
from kafka_local import KafkaLocalError, run_java_tool
from secure_kafka import SecureKafka

pytestmark = [pytest.mark.connected, pytest.mark.slow]


class ChildCommandLines(threading.Thread):
    """Every command line of this process's children, polled from /proc while it runs: the
    StorageTool format lives two seconds, the broker for the whole module."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.seen: set[str] = set()
        self._done = threading.Event()

    def run(self) -> None:
        me = str(os.getpid())
        while not self._done.wait(0.01):
            for proc in Path("/proc").iterdir():
                if not proc.name.isdigit():
                    continue
                try:
                    ppid = (proc / "stat").read_text().rsplit(")", 1)[1].split()[1]
                    if ppid == me:
                        self.seen.add((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode())
                except (OSError, IndexError):
                    continue

    def stop(self) -> set[str]:
        self._done.set()
        self.join()
        return self.seen


@pytest.fixture(scope="module")
def watched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SecureKafka, set[str]]]:
    watcher = ChildCommandLines()
    watcher.start()
    with SecureKafka(tmp_path_factory.mktemp("secrets-kafka")) as kafka:
        seen = watcher.stop()
        yield kafka, seen


def _passwords(kafka: SecureKafka) -> set[str]:
    assert kafka.sasl_users
    return set(kafka.sasl_users.values()) | set(kafka.internal_passwords().values())


def test_no_password_is_on_a_command_line(watched: tuple[SecureKafka, set[str]]) -> None:
    kafka, seen = watched
    assert any("StorageTool" in line or "@" in line for line in seen), seen  # format was seen
    assert any("kafka.Kafka" in line for line in seen), seen
    running = Path(f"/proc/{kafka.pid}/cmdline").read_bytes().decode(errors="replace")
    leaked = [p for p in _passwords(kafka) if any(p in line for line in {*seen, running})]
    assert leaked == []


def test_files_holding_a_password_are_the_owners_alone(
    watched: tuple[SecureKafka, set[str]],
) -> None:
    kafka, _ = watched
    passwords = _passwords(kafka)
    for path in kafka.workdir.rglob("*"):
        if path.is_file() and path.stat().st_size < 1_000_000:
            text = path.read_text(errors="replace")
            if any(p in text for p in passwords):
                assert path.stat().st_mode & 0o077 == 0, f"{path} is readable by others"


def test_an_anonymous_client_on_the_controller_listener_cannot_administer(
    watched: tuple[SecureKafka, set[str]], tmp_path: Path
) -> None:
    kafka, _ = watched
    quick = tmp_path / "anonymous.properties"
    quick.write_text("request.timeout.ms=5000\ndefault.api.timeout.ms=10000\n")
    with pytest.raises(KafkaLocalError):
        run_java_tool(
            "org.apache.kafka.tools.AclCommand",
            [
                "--bootstrap-controller", f"127.0.0.1:{kafka.controller_port}",
                "--command-config", str(quick),
                "--add", "--allow-principal", "User:mallory", "--operation", "All",
                "--topic", "enrolment.intake.v1",
            ],
        )  # fmt: skip
    # Nothing was granted: the catalogue's ACLs are exactly in place, none to delete.
    changes = sync_acls(kafka.settings("admin"), dry_run=True)
    assert (changes.created, changes.deleted) == ((), ())
    props = kafka.properties_file.read_text()
    assert "User:ANONYMOUS" not in props
